package dev.gatehouse.pki;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;

/**
 * The anchors, CRLs and limits against which presented chains are judged. Immutable and thread-safe;
 * a reload builds a new instance (with a new {@link #generation()}) off the event loop.
 *
 * <h2>Anchors</h2>
 * Every certificate of the bundle is a trust anchor, root or intermediate (an intermediate is trusted
 * on its own, as with partial-chain verification). For {@link Use#CLIENT_VERIFICATION} each must be a
 * CA ({@code CA:TRUE}); a store for {@link Use#TARGET_VERIFICATION} may also pin self-signed server
 * certificates.
 *
 * <h2>CRLs</h2>
 * A CRL is accepted when its issuer is a certificate of the store and its signature verifies with that
 * certificate's key; otherwise loading fails with an error that names the file. A CRL past its
 * {@code nextUpdate} is still used; {@link #revocationLists()} says of each CRL when it is due and by how
 * much it is overdue at a given time, for logs, metrics and the admin API.
 */
public final class TrustStore {
    /**
     * One accepted CRL as facts: where it came from, its issuer (RFC 2253), and its {@code thisUpdate} and
     * {@code nextUpdate} ({@code null} when the CRL names none, i.e. it never goes stale).
     */
    public record RevocationList(String source, String issuer, Instant thisUpdate, Instant nextUpdate) {
        /** How long past its {@code nextUpdate} the CRL is at {@code now}; {@link Duration#ZERO} if not stale. */
        public Duration overdueAt(Instant now) {
            return nextUpdate == null || !nextUpdate.isBefore(now) ? Duration.ZERO : Duration.between(nextUpdate, now);
        }

        public boolean isStaleAt(Instant now) {
            return !overdueAt(now).isZero();
        }
    }

    /** What a trust store judges. */
    public enum Use {
        /** Client certificates (verify mode): every anchor must be a CA. */
        CLIENT_VERIFICATION,
        /** Target (server) certificates: self-signed non-CA certificates may be pinned. */
        TARGET_VERIFICATION
    }

    private static final AtomicLong GENERATIONS = new AtomicLong();
    private static final Set<String> KNOWN_CRL_EXTENSIONS = Set.of(
            "2.5.29.20", // cRLNumber
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.18", // issuerAltName
            "2.5.29.60"); // expiredCertsOnCRL

    private final long generation;
    private final String source;
    private final Use use;
    private final TrustStoreLimits limits;
    private final List<X509Certificate> anchors;
    private final Map<X500Principal, List<X509Certificate>> anchorsBySubject;
    private final Set<ByteKey> anchorDer;
    private final Map<X500Principal, List<X509CRL>> crlsByIssuer;
    private final List<X509CRL> crls;
    private final List<RevocationList> revocationLists;
    private final List<String> warnings;

    private TrustStore(String source, Use use, TrustStoreLimits limits, List<X509Certificate> anchors,
            List<X509CRL> crls, List<RevocationList> revocationLists, List<String> warnings) {
        this.generation = GENERATIONS.incrementAndGet();
        this.source = source;
        this.use = use;
        this.limits = limits;
        this.anchors = List.copyOf(anchors);
        Map<X500Principal, List<X509Certificate>> bySubject = new HashMap<>();
        java.util.HashSet<ByteKey> der = new java.util.HashSet<>();
        for (X509Certificate a : anchors) {
            bySubject.computeIfAbsent(a.getSubjectX500Principal(), k -> new ArrayList<>()).add(a);
            der.add(ByteKey.of(a));
        }
        bySubject.replaceAll((k, v) -> List.copyOf(v));
        this.anchorsBySubject = Map.copyOf(bySubject);
        this.anchorDer = Set.copyOf(der);
        Map<X500Principal, List<X509CRL>> byIssuer = new HashMap<>();
        for (X509CRL c : crls) {
            byIssuer.computeIfAbsent(c.getIssuerX500Principal(), k -> new ArrayList<>()).add(c);
        }
        byIssuer.replaceAll((k, v) -> List.copyOf(v));
        this.crlsByIssuer = Map.copyOf(byIssuer);
        this.crls = List.copyOf(crls);
        this.revocationLists = List.copyOf(revocationLists);
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Loads a PEM bundle of anchors and PEM or DER CRL files.
     *
     * @throws PkiException naming the file, position and subject of what is wrong
     */
    public static TrustStore load(Path caBundle, List<Path> crlFiles, TrustStoreLimits limits, Use use) throws PkiException {
        List<X509Certificate> anchors = Pem.readCertificates(caBundle);
        List<NamedCrl> crls = new ArrayList<>();
        for (Path f : crlFiles) {
            long size;
            try {
                size = Files.size(f);
            } catch (java.io.IOException e) {
                throw new PkiException(f + ": cannot read: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            }
            if (size > limits.maxCrlFileBytes()) {
                throw new PkiException(f + ": CRL file of " + size + " bytes (expected: at most " + limits.maxCrlFileBytes() + ")");
            }
            int i = 0;
            List<X509CRL> parsed = Pem.readCrls(f);
            for (X509CRL c : parsed) {
                i++;
                crls.add(new NamedCrl(c, f + (parsed.size() > 1 ? ": CRL #" + i : "")));
            }
        }
        return build(caBundle.toString(), anchors, crls, limits, use, Instant.now());
    }

    /** A store from certificates and CRLs already in memory; {@code source} names it in errors. */
    public static TrustStore of(String source, List<X509Certificate> anchors, List<X509CRL> crls, TrustStoreLimits limits,
            Use use) throws PkiException {
        List<NamedCrl> named = new ArrayList<>();
        for (int i = 0; i < crls.size(); i++) {
            named.add(new NamedCrl(crls.get(i), source + ": CRL #" + (i + 1)));
        }
        return build(source, anchors, named, limits, use, Instant.now());
    }

    private record NamedCrl(X509CRL crl, String name) {}

    private static TrustStore build(String source, List<X509Certificate> anchors, List<NamedCrl> crls,
            TrustStoreLimits limits, Use use, Instant now) throws PkiException {
        if (anchors.isEmpty()) {
            throw new PkiException(source + ": no CA certificate (expected: at least one)");
        }
        if (anchors.size() > limits.maxCaCertificates()) {
            throw new PkiException(source + ": " + anchors.size() + " CA certificates (expected: at most "
                    + limits.maxCaCertificates() + "; raise the trust store's limit)");
        }
        for (int i = 0; i < anchors.size(); i++) {
            X509Certificate a = anchors.get(i);
            String where = source + ": certificate #" + (i + 1) + " (" + CertificateNames.subject(a) + ")";
            int size = encoded(a).length;
            if (size > limits.maxCaCertificateBytes()) {
                throw new PkiException(where + ": " + size + " bytes (expected: at most " + limits.maxCaCertificateBytes() + ")");
            }
            boolean ca = a.getBasicConstraints() >= 0;
            if (!ca) {
                boolean selfSigned = a.getSubjectX500Principal().equals(a.getIssuerX500Principal()) && verifies(a, a);
                if (use == Use.CLIENT_VERIFICATION || !selfSigned) {
                    throw new PkiException(where + ": not a CA certificate (expected: basicConstraints CA:TRUE"
                            + (use == Use.TARGET_VERIFICATION ? ", or a self-signed certificate to pin" : "") + ")");
                }
            }
        }
        List<X509CRL> accepted = new ArrayList<>();
        List<RevocationList> facts = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        long entries = 0;
        for (NamedCrl n : crls) {
            X509CRL crl = n.crl;
            String issuerName = CertificateNames.distinguishedName(crl.getIssuerX500Principal());
            X509Certificate signer = null;
            boolean nameMatched = false;
            for (X509Certificate a : anchors) {
                if (a.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                    nameMatched = true;
                    if (verifies(crl, a)) {
                        signer = a;
                        break;
                    }
                }
            }
            if (!nameMatched) {
                throw new PkiException(n.name + ": issuer " + issuerName + " is not a certificate of the trust store "
                        + source + " (expected: put the CRL's issuer in the CA bundle)");
            }
            if (signer == null) {
                throw new PkiException(n.name + ": signature does not verify with the key of " + issuerName);
            }
            boolean[] ku = signer.getKeyUsage();
            if (ku != null && (ku.length <= 6 || !ku[6])) {
                throw new PkiException(n.name + ": issuer " + issuerName + " has a key usage without cRLSign");
            }
            Set<String> critical = crl.getCriticalExtensionOIDs();
            if (critical != null) {
                for (String oid : critical) {
                    if (!oid.equals("2.5.29.35")) {
                        throw new PkiException(n.name + ": unsupported critical CRL extension " + oid
                                + (oid.equals("2.5.29.27") ? " (delta CRL)" : oid.equals("2.5.29.28") ? " (issuing distribution point)" : ""));
                    }
                }
            }
            Set<String> nonCritical = crl.getNonCriticalExtensionOIDs();
            if (crl.getVersion() != 2 || nonCritical == null || !nonCritical.contains("2.5.29.20")) {
                throw new PkiException(n.name + ": not a v2 CRL with a CRL number (expected: RFC 5280 section 5)");
            }
            for (String oid : nonCritical) {
                if (!KNOWN_CRL_EXTENSIONS.contains(oid) && !oid.equals("2.5.29.28")) {
                    warnings.add(n.name + ": ignored CRL extension " + oid);
                }
            }
            var revoked = crl.getRevokedCertificates();
            entries += revoked == null ? 0 : revoked.size();
            if (entries > limits.maxRevocationEntries()) {
                throw new PkiException(n.name + ": more than " + limits.maxRevocationEntries()
                        + " revocation entries in the trust store (expected: raise the limit)");
            }
            RevocationList fact = new RevocationList(n.name, issuerName, crl.getThisUpdate().toInstant(),
                    crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant());
            if (fact.isStaleAt(now)) {
                warnings.add(n.name + ": stale CRL of " + issuerName + " (nextUpdate "
                        + fact.nextUpdate() + " has passed); still used");
            }
            accepted.add(crl);
            facts.add(fact);
        }
        return new TrustStore(source, use, limits, anchors, accepted, facts, warnings);
    }

    static boolean verifies(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static boolean verifies(X509CRL crl, X509Certificate issuer) {
        try {
            crl.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /** Unique per loaded instance: part of verdict-cache keys. */
    public long generation() {
        return generation;
    }

    /** The bundle's name (file path) for messages. */
    public String source() {
        return source;
    }

    public Use use() {
        return use;
    }

    public TrustStoreLimits limits() {
        return limits;
    }

    public List<X509Certificate> anchors() {
        return anchors;
    }

    public List<X509CRL> crls() {
        return crls;
    }

    /** The accepted CRLs as facts (source, issuer, update times), in the order loaded. */
    public List<RevocationList> revocationLists() {
        return revocationLists;
    }

    /** The CRLs past their {@code nextUpdate} at {@code now} (still used for revocation checks). */
    public List<RevocationList> staleRevocationLists(Instant now) {
        List<RevocationList> stale = new ArrayList<>();
        for (RevocationList r : revocationLists) {
            if (r.isStaleAt(now)) {
                stale.add(r);
            }
        }
        return stale;
    }

    /** Load-time observations (stale CRLs, ignored CRL extensions) for the log and metrics. */
    public List<String> warnings() {
        return warnings;
    }

    /** Subjects of the anchors, for a TLS CertificateRequest's certificate_authorities. */
    public X500Principal[] caNames() {
        return anchors.stream().map(X509Certificate::getSubjectX500Principal).distinct().toArray(X500Principal[]::new);
    }

    /** Anchors whose subject is {@code name} (empty list if none). */
    public List<X509Certificate> anchorsNamed(X500Principal name) {
        return anchorsBySubject.getOrDefault(name, List.of());
    }

    /** Whether this exact certificate (same DER) is an anchor. */
    public boolean isAnchor(X509Certificate cert) {
        return anchorDer.contains(ByteKey.of(cert));
    }

    /** CRLs issued by {@code issuer} (empty: no revocation check for the certificates it signed). */
    public List<X509CRL> crlsIssuedBy(X500Principal issuer) {
        return crlsByIssuer.getOrDefault(issuer, List.of());
    }

    @Override
    public String toString() {
        return "TrustStore[" + source + ", " + anchors.size() + " anchors, " + crls.size() + " CRLs, generation " + generation + "]";
    }

    /** Byte array with value equality. */
    record ByteKey(byte[] bytes) {
        static ByteKey of(X509Certificate c) {
            return new ByteKey(encoded(c));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
