package dev.gatehouse.pki;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's verdict cache in front of {@link CertificateVerifier}, for use during handshakes on
 * event loops.
 *
 * <h2>Key</h2>
 * SHA-256 over the presented chain's DER bytes (as the TLS stack hands them over: a hit parses
 * nothing), plus the trust store's {@link TrustStore#generation()} and the verification parameters
 * (purpose, hostname, depth, expiry flag, fixed time).
 *
 * <h2>What is cached</h2>
 * Successes, and failures that do not depend on the time of verification. On every hit of a success
 * the validity dates of the cached path are re-checked against the current time (no parsing, no
 * signatures); if one no longer holds, the chain is verified afresh. "Now" is the cache's {@link Clock}
 * (the system clock unless one is given), for the re-check and for a fresh verification alike.
 *
 * <h2>Threading</h2>
 * Thread-safe and lock-light: a {@link BoundedCache} (concurrent map, approximate eviction).
 */
public final class CachingVerifier {
    private final CertificateVerifier verifier;
    private final BoundedCache<Key, Verdict> cache;
    /** One instance per CA certificate seen in a cached path, by encoding: shared by the paths it issued. */
    private final BoundedCache<TrustStore.ByteKey, X509Certificate> issuers = new BoundedCache<>(1024);
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final Clock clock;

    /** @param maxEntries bound on cached verdicts (e.g. 10,000) */
    public CachingVerifier(CertificateVerifier verifier, int maxEntries) {
        this(verifier, maxEntries, Clock.systemUTC());
    }

    /**
     * @param maxEntries bound on cached verdicts (e.g. 10,000)
     * @param clock      the time of verification when the parameters fix none
     */
    public CachingVerifier(CertificateVerifier verifier, int maxEntries, Clock clock) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.cache = new BoundedCache<>(maxEntries);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@code params} with the clock's time when they fix none (the cache key keeps the caller's parameters). */
    private VerificationParameters atNow(VerificationParameters params) {
        return params.time() != null ? params : params.withTime(clock.instant());
    }

    /** Verifies DER certificates as the TLS stack hands them over (leaf first). */
    public Verdict verify(TrustStore store, byte[][] derChain, VerificationParameters params) {
        if (derChain.length == 0) {
            return verifier.verify(store, List.of(), params);
        }
        int total = 0;
        int largest = 0;
        for (byte[] d : derChain) {
            total += d.length;
            largest = Math.max(largest, d.length);
        }
        String sizeProblem = CertificateVerifier.sizeProblem(derChain.length, total, largest);
        if (sizeProblem != null) {
            return CertificateVerifier.sizeFailure(sizeProblem);
        }
        Key key = new Key(digest(derChain), store.generation(), params);
        Verdict cached = lookup(key, params);
        if (cached != null) {
            return cached;
        }
        misses.increment();
        Verdict v;
        try {
            v = verifier.verify(store, Pem.decodeCertificates(derChain), atNow(params));
        } catch (PkiException e) {
            v = Verdict.failure(FailureCode.CLIENT_CERT_INVALID, e.getMessage(),
                    List.of(new Verdict.Step("parse", Verdict.Outcome.FAIL, e.getMessage())), List.of());
        }
        return remember(key, v);
    }

    /** Verifies already parsed certificates (leaf first). */
    public Verdict verify(TrustStore store, List<X509Certificate> chain, VerificationParameters params) {
        byte[][] der = new byte[chain.size()][];
        for (int i = 0; i < der.length; i++) {
            der[i] = TrustStore.encoded(chain.get(i));
        }
        Key key = new Key(digest(der), store.generation(), params);
        Verdict cached = lookup(key, params);
        if (cached != null) {
            return cached;
        }
        misses.increment();
        Verdict v = verifier.verify(store, chain, atNow(params));
        return remember(key, v);
    }

    private Verdict lookup(Key key, VerificationParameters params) {
        Verdict v = cache.get(key);
        if (v == null) {
            return null;
        }
        if (v.isSuccess() && !stillValid(v, params)) {
            cache.remove(key);
            return null;
        }
        hits.increment();
        return v;
    }

    /** Caches {@code v} if it may be, kept small ({@link Verdict#compact}); returns what the caller hands out. */
    private Verdict remember(Key key, Verdict v) {
        if (v.isSuccess() || !v.timeSensitive()) {
            v = v.compact(this::shared);
            cache.put(key, v);
        }
        return v;
    }

    private X509Certificate shared(X509Certificate c) {
        TrustStore.ByteKey k = TrustStore.ByteKey.of(c);
        X509Certificate known = issuers.get(k);
        if (known != null) {
            return known;
        }
        issuers.put(k, c);
        return c;
    }

    private boolean stillValid(Verdict v, VerificationParameters params) {
        Instant now = params.time() != null ? params.time() : clock.instant();
        List<X509Certificate> path = v.path();
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            if (now.isBefore(c.getNotBefore().toInstant())) {
                return false;
            }
            if (now.isAfter(c.getNotAfter().toInstant()) && !(i == 0 && params.ignoreLeafExpiry())) {
                return false;
            }
        }
        return true;
    }

    public long hits() {
        return hits.sum();
    }

    /** Forgets every verdict and zeroes the hit and miss counts. */
    public void clear() {
        cache.clear();
        issuers.clear();
        hits.reset();
        misses.reset();
    }

    public long misses() {
        return misses.sum();
    }

    public int size() {
        return cache.size();
    }

    private static byte[] digest(byte[][] chain) {
        MessageDigest md = Sha256.digest();
        for (byte[] d : chain) {
            md.update((byte) (d.length >>> 24));
            md.update((byte) (d.length >>> 16));
            md.update((byte) (d.length >>> 8));
            md.update((byte) d.length);
            md.update(d);
        }
        return md.digest();
    }

    private record Key(byte[] chainHash, long generation, VerificationParameters params) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && generation == k.generation && Arrays.equals(chainHash, k.chainHash)
                    && params.equals(k.params);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(chainHash) * 31 + Long.hashCode(generation) * 17 + params.hashCode();
        }
    }
}
