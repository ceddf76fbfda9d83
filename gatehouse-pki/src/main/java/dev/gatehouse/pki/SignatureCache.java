package dev.gatehouse.pki;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * Remembers whether a signed object's signature verifies with an issuer key, so that a shared
 * intermediate's signature (about 2.3 ms per ECDSA P-256 verify with SunEC) is checked once, not per
 * leaf. Keyed by SHA-256 of the signed object's DER and of the issuer's public key; thread-safe and
 * bounded ({@link BoundedCache}).
 */
public final class SignatureCache {
    /** The process-wide cache used by default. */
    public static final SignatureCache SHARED = new SignatureCache(50_000);

    private final BoundedCache<Key, Boolean> cache;

    public SignatureCache(int maxEntries) {
        this.cache = new BoundedCache<>(maxEntries);
    }

    /** Whether {@code cert}'s signature verifies with {@code issuerKey}. */
    public boolean verifies(X509Certificate cert, PublicKey issuerKey) {
        byte[] der;
        try {
            der = cert.getEncoded();
        } catch (GeneralSecurityException e) {
            return false;
        }
        Key key = new Key(sha256(der), sha256(issuerKey.getEncoded()));
        Boolean known = cache.get(key);
        if (known != null) {
            return known;
        }
        boolean ok;
        try {
            cert.verify(issuerKey);
            ok = true;
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        cache.put(key, ok);
        return ok;
    }

    /** Whether {@code crl}'s signature verifies with {@code issuerKey}. */
    public boolean verifies(X509CRL crl, PublicKey issuerKey) {
        byte[] der;
        try {
            der = crl.getEncoded();
        } catch (GeneralSecurityException e) {
            return false;
        }
        Key key = new Key(sha256(der), sha256(issuerKey.getEncoded()));
        Boolean known = cache.get(key);
        if (known != null) {
            return known;
        }
        boolean ok;
        try {
            crl.verify(issuerKey);
            ok = true;
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        cache.put(key, ok);
        return ok;
    }

    public int size() {
        return cache.size();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private record Key(byte[] signed, byte[] issuerKey) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(signed, k.signed) && Arrays.equals(issuerKey, k.issuerKey);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(signed) + Arrays.hashCode(issuerKey);
        }
    }
}
