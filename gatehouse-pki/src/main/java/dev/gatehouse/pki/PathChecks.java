package dev.gatehouse.pki;

import dev.gatehouse.pki.Verdict.Outcome;
import dev.gatehouse.pki.Verdict.Step;
import dev.gatehouse.pki.VerificationParameters.Purpose;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The checks of one candidate path (leaf first, anchor last), in a fixed order; the first failing
 * check decides the path's code. Each check is one {@link Step} of the verdict.
 *
 * <p>Order (and the stage number used to prefer the failure of the path that got furthest): chain
 * depth, keys and signatures, validity, purpose/key usage (X.509 v3, critical extensions, basic
 * constraints, path length, key usage, EKU), name constraints, revocation, hostname.
 */
final class PathChecks {
    static final String[] STEP_NAMES = {
            "parse", "chain building", "signatures", "validity", "purpose/key usage", "name constraints",
            "revocation", "hostname"};
    static final int CHAIN = 1;
    static final int SIGNATURES = 2;
    static final int VALIDITY = 3;
    static final int PURPOSE = 4;
    static final int NAME_CONSTRAINTS = 5;
    static final int REVOCATION = 6;
    static final int HOSTNAME = 7;

    static final String EKU_SERVER = "1.3.6.1.5.5.7.3.1";
    static final String EKU_CLIENT = "1.3.6.1.5.5.7.3.2";
    static final String EKU_ANY = "2.5.29.37.0";

    /** Extensions this verifier understands, so may be critical. */
    static final Set<String> KNOWN_EXTENSIONS = Set.of(
            "2.5.29.15", // keyUsage
            "2.5.29.19", // basicConstraints
            "2.5.29.17", // subjectAltName
            "2.5.29.37", // extKeyUsage
            "2.5.29.30", // nameConstraints
            "2.5.29.32", // certificatePolicies (any policy accepted)
            "2.5.29.36", // policyConstraints
            "2.5.29.54", // inhibitAnyPolicy
            "2.5.29.33", // policyMappings
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.14"); // subjectKeyIdentifier

    static final Set<String> EC_CURVES = Set.of("1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35");
    private static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";

    /** The outcome of one path. {@code code} null: success. */
    record Result(List<X509Certificate> path, FailureCode code, int stage, String explanation, List<Step> steps,
            boolean timeFailure, List<String> warnings) {}

    private final TrustStore store;
    private final VerificationParameters params;
    private final SignatureCache signatures;
    private final Instant now;
    private final int maxDepth;

    PathChecks(TrustStore store, VerificationParameters params, SignatureCache signatures, Instant now, int maxDepth) {
        this.store = store;
        this.params = params;
        this.signatures = signatures;
        this.now = now;
        this.maxDepth = maxDepth;
    }

    /** A check's failure: which code and why. */
    private static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient FailureCode code;

        Failure(FailureCode code, String why) {
            super(why, null, false, false);
            this.code = code;
        }
    }

    Result check(List<X509Certificate> path, List<Step> before) {
        List<Step> steps = new ArrayList<>(before);
        List<String> warnings = new ArrayList<>();
        int stage = CHAIN;
        try {
            steps.add(pass(STEP_NAMES[CHAIN], depth(path)));
            stage = SIGNATURES;
            steps.add(pass(STEP_NAMES[SIGNATURES], signatures(path)));
            stage = VALIDITY;
            steps.add(pass(STEP_NAMES[VALIDITY], validity(path)));
            stage = PURPOSE;
            steps.add(pass(STEP_NAMES[PURPOSE], purpose(path)));
            stage = NAME_CONSTRAINTS;
            steps.add(pass(STEP_NAMES[NAME_CONSTRAINTS], nameConstraints(path)));
            stage = REVOCATION;
            steps.add(revocation(path, warnings));
            stage = HOSTNAME;
            steps.add(hostname(path));
        } catch (Failure f) {
            steps.add(new Step(STEP_NAMES[stage], Outcome.FAIL, f.getMessage()));
            for (int s = stage + 1; s < STEP_NAMES.length; s++) {
                steps.add(new Step(STEP_NAMES[s], Outcome.SKIPPED, "not checked: an earlier step failed"));
            }
            return new Result(path, f.code, stage, f.getMessage(), steps, stage == VALIDITY, warnings);
        }
        String explanation = "certificate " + describe(path.get(0)) + " is trusted through "
                + CertificateNames.subject(path.get(path.size() - 1));
        return new Result(path, null, STEP_NAMES.length, explanation, steps, false, warnings);
    }

    private static Step pass(String name, String detail) {
        return new Step(name, Outcome.PASS, detail);
    }

    static String describe(X509Certificate c) {
        return CertificateNames.subject(c) + " (serial " + CertificateNames.serialHex(c) + ")";
    }

    static boolean selfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    private static String role(List<X509Certificate> path, int i) {
        return i == 0 ? "leaf" : i == path.size() - 1 ? "anchor" : "intermediate";
    }

    private String depth(List<X509Certificate> path) throws Failure {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.size(); i++) {
            sb.append(i == 0 ? "" : " <- ").append(CertificateNames.subject(path.get(i)));
        }
        int counted = path.size();
        for (int i = 1; i < path.size() - 1; i++) {
            if (selfIssued(path.get(i))) {
                counted--; // key rollover certificates do not lengthen a path (RFC 5280 6.1.4)
            }
        }
        String p = sb + " (" + counted + " certificates, at most " + maxDepth + ")";
        if (counted > maxDepth) {
            throw new Failure(FailureCode.CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED,
                    "path " + p + " is longer than the maximum chain depth");
        }
        return "path to anchor: " + p;
    }

    private String signatures(List<X509Certificate> path) throws Failure {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            String keyProblem = keyProblem(c.getPublicKey());
            if (keyProblem != null) {
                throw new Failure(FailureCode.CLIENT_CERT_TYPE_UNSUPPORTED,
                        role(path, i) + " " + describe(c) + ": " + keyProblem);
            }
            if (i < path.size() - 1) {
                String alg = c.getSigAlgName().toUpperCase(java.util.Locale.ROOT);
                if (alg.contains("SHA1") || alg.contains("MD5") || alg.contains("MD2") || c.getSigAlgOID().equals("1.3.14.3.2.29")) {
                    throw new Failure(FailureCode.CLIENT_CERT_TYPE_UNSUPPORTED,
                            role(path, i) + " " + describe(c) + ": signature algorithm " + c.getSigAlgName()
                                    + " is not allowed (expected: SHA-256 or stronger)");
                }
            }
        }
        for (int i = 0; i < path.size() - 1; i++) {
            X509Certificate c = path.get(i);
            X509Certificate issuer = path.get(i + 1);
            if (!signatures.verifies(c, issuer.getPublicKey())) {
                throw new Failure(FailureCode.CLIENT_CERT_UNTRUSTED,
                        role(path, i) + " " + describe(c) + ": signature does not verify with the key of "
                                + CertificateNames.subject(issuer));
            }
        }
        return path.size() == 1 ? "the leaf is itself an anchor of the trust store"
                : (path.size() - 1) + " signature" + (path.size() > 2 ? "s" : "") + " verified";
    }

    /** Null if the key is allowed, else why not. */
    static String keyProblem(PublicKey key) {
        String alg = key.getAlgorithm();
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < 2048 || bits % 8 != 0) {
                return "RSA key of " + bits + " bits (expected: at least 2048, a multiple of 8)";
            }
            return null;
        }
        if (alg.equals("EC")) {
            try {
                List<Der.Value> spki = Der.read(key.getEncoded()).children();
                List<Der.Value> algId = spki.get(0).children();
                if (!algId.get(0).oid().equals(EC_PUBLIC_KEY) || algId.size() < 2 || algId.get(1).tag != Der.OID) {
                    return "EC key without a named curve (expected: P-256, P-384 or P-521)";
                }
                String curve = algId.get(1).oid();
                return EC_CURVES.contains(curve) ? null : "EC key on curve " + curve + " (expected: P-256, P-384 or P-521)";
            } catch (Der.DerException | RuntimeException e) {
                return "malformed EC key";
            }
        }
        if (alg.equals("Ed25519") || alg.equals("EdDSA") || alg.equals("Ed448")) {
            return null;
        }
        if (alg.equals("RSASSA-PSS")) {
            return null;
        }
        return "key type " + alg + " (expected: RSA >= 2048, EC P-256/P-384/P-521 or Ed25519)";
    }

    private String validity(List<X509Certificate> path) throws Failure {
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            Instant notBefore = c.getNotBefore().toInstant();
            Instant notAfter = c.getNotAfter().toInstant();
            if (now.isBefore(notBefore.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))) {
                throw new Failure(FailureCode.CLIENT_CERT_NOT_YET_VALID,
                        role(path, i) + " " + describe(c) + ": not valid before " + notBefore + " (checked at " + now + ")");
            }
            if (now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).isAfter(notAfter) && !(i == 0 && params.ignoreLeafExpiry())) {
                throw new Failure(FailureCode.CLIENT_CERT_EXPIRED,
                        role(path, i) + " " + describe(c) + ": expired at " + notAfter + " (checked at " + now + ")");
            }
        }
        boolean leafExpired = now.isAfter(path.get(0).getNotAfter().toInstant());
        return "every certificate valid at " + now + (leafExpired ? " (leaf expired at "
                + path.get(0).getNotAfter().toInstant() + ": ignored)" : "");
    }

    private String purpose(List<X509Certificate> path) throws Failure {
        int last = path.size() - 1;
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            String problem = CertificateProfile.problem(c, i == 0, i == last && i > 0,
                    params.purpose() != Purpose.CLIENT);
            if (problem != null) {
                throw new Failure(FailureCode.CLIENT_CERT_INVALID, role(path, i) + " " + describe(c) + ": " + problem);
            }
        }
        // Issuers: CA:TRUE, keyCertSign, path length.
        for (int j = 1; j <= last; j++) {
            X509Certificate ca = path.get(j);
            boolean anchor = j == last;
            Set<String> present = Extensions.present(ca);
            int pathLen = Extensions.basicConstraints(ca, present);
            if (pathLen < 0) {
                throw new Failure(FailureCode.CLIENT_CERT_INVALID,
                        role(path, j) + " " + describe(ca) + " issued " + describe(path.get(j - 1))
                                + " but is not a CA (expected: basicConstraints CA:TRUE)");
            }
            boolean[] ku = Extensions.keyUsage(ca, present);
            if (ku != null && (ku.length <= 5 || !ku[5])) {
                throw new Failure(FailureCode.CLIENT_CERT_INVALID,
                        role(path, j) + " " + describe(ca) + ": key usage without keyCertSign");
            }
            int intermediatesBelow = 0;
            for (int k = 1; k < j; k++) {
                X509Certificate x = path.get(k);
                if (!x.getSubjectX500Principal().equals(x.getIssuerX500Principal())) {
                    intermediatesBelow++;
                }
            }
            if (pathLen != Integer.MAX_VALUE && intermediatesBelow > pathLen) {
                throw new Failure(FailureCode.CLIENT_CERT_INVALID,
                        role(path, j) + " " + describe(ca) + ": path length constraint " + pathLen + " exceeded by "
                                + intermediatesBelow + " intermediate" + (intermediatesBelow == 1 ? "" : "s") + " below it");
            }
            if (!anchor && params.purpose() != Purpose.ANY) {
                String problem = ekuProblem(ca, false);
                if (problem != null) {
                    throw new Failure(FailureCode.CLIENT_CERT_PURPOSE_INVALID, role(path, j) + " " + describe(ca) + ": " + problem);
                }
            }
        }
        X509Certificate leaf = path.get(0);
        if (Extensions.basicConstraints(leaf, Extensions.present(leaf)) >= 0) {
            throw new Failure(FailureCode.CLIENT_CERT_PURPOSE_INVALID,
                    "leaf " + describe(leaf) + " is a CA certificate (CA:TRUE), not an end-entity certificate");
        }
        if (params.purpose() != Purpose.ANY) {
            String problem = ekuProblem(leaf, true);
            if (problem != null) {
                throw new Failure(FailureCode.CLIENT_CERT_PURPOSE_INVALID, "leaf " + describe(leaf) + ": " + problem);
            }
        }
        List<String> eku = eku(leaf);
        return "CA certificates and key usage valid; leaf EKU "
                + (eku == null ? "absent (any purpose)" : String.join(",", ekuNames(eku)))
                + (params.purpose() == Purpose.ANY ? "" : ", " + params.purpose().name().toLowerCase(java.util.Locale.ROOT) + " purpose allowed");
    }

    private String ekuProblem(X509Certificate c, boolean leaf) throws Failure {
        List<String> eku = eku(c);
        if (eku == null) {
            return null;
        }
        String required = params.purpose() == Purpose.CLIENT ? EKU_CLIENT : EKU_SERVER;
        if (eku.contains(required) || (!leaf && eku.contains(EKU_ANY))) {
            return null;
        }
        return "extended key usage " + String.join(",", ekuNames(eku)) + " does not allow "
                + (required.equals(EKU_CLIENT) ? "clientAuth (TLS client authentication)" : "serverAuth (TLS server authentication)");
    }

    private static List<String> eku(X509Certificate c) throws Failure {
        try {
            return c.getExtendedKeyUsage();
        } catch (java.security.cert.CertificateParsingException e) {
            throw new Failure(FailureCode.CLIENT_CERT_INVALID, describe(c) + ": malformed extended key usage");
        }
    }

    static List<String> ekuNames(List<String> oids) {
        List<String> out = new ArrayList<>();
        for (String o : oids) {
            out.add(switch (o) {
                case EKU_SERVER -> "serverAuth";
                case EKU_CLIENT -> "clientAuth";
                case EKU_ANY -> "anyExtendedKeyUsage";
                case "1.3.6.1.5.5.7.3.3" -> "codeSigning";
                case "1.3.6.1.5.5.7.3.4" -> "emailProtection";
                case "1.3.6.1.5.5.7.3.8" -> "timeStamping";
                case "1.3.6.1.5.5.7.3.9" -> "OCSPSigning";
                default -> o;
            });
        }
        return out;
    }

    private String nameConstraints(List<X509Certificate> path) throws Failure {
        int applied = 0;
        for (int j = path.size() - 1; j >= 1; j--) {
            X509Certificate ca = path.get(j);
            NameConstraints nc;
            try {
                nc = NameConstraints.of(ca);
            } catch (Der.DerException | RuntimeException e) {
                throw new Failure(FailureCode.CLIENT_CERT_INVALID, role(path, j) + " " + describe(ca)
                        + ": malformed name constraints: " + e.getMessage());
            }
            if (nc == null) {
                continue;
            }
            applied++;
            for (int i = j - 1; i >= 0; i--) {
                X509Certificate c = path.get(i);
                if (i > 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                    continue; // self-issued intermediates are exempt (RFC 5280 section 6.1.3)
                }
                String violation;
                try {
                    violation = nc.violation(c, NameConstraints.subjectAltNames(c));
                } catch (Der.DerException | RuntimeException e) {
                    throw new Failure(FailureCode.CLIENT_CERT_INVALID, role(path, i) + " " + describe(c)
                            + ": names cannot be checked against the name constraints of " + CertificateNames.subject(ca)
                            + ": " + e.getMessage());
                }
                if (violation != null) {
                    throw new Failure(FailureCode.CLIENT_CERT_INVALID, role(path, i) + " " + describe(c) + ": "
                            + violation + " of " + CertificateNames.subject(ca));
                }
            }
        }
        return applied == 0 ? "no name constraints in the path" : "names within the constraints of " + applied + " CA"
                + (applied == 1 ? "" : "s");
    }

    /**
     * Passes when every certificate of the path below the anchor was checked against its issuer's CRL;
     * {@link Outcome#NOT_CHECKED} when one was not (the store holds no CRL of its issuer), naming it.
     */
    private Step revocation(List<X509Certificate> path, List<String> warnings) throws Failure {
        List<String> checked = new ArrayList<>();
        List<String> unchecked = new ArrayList<>();
        for (int i = 0; i < path.size() - 1; i++) {
            X509Certificate c = path.get(i);
            X509Certificate issuer = path.get(i + 1);
            List<X509CRL> crls = store.crlsIssuedBy(issuer.getSubjectX500Principal());
            if (crls.isEmpty()) {
                unchecked.add(role(path, i) + " " + CertificateNames.subject(c) + " (no CRL of its issuer "
                        + CertificateNames.subject(issuer) + " in the trust store)");
                continue;
            }
            for (X509CRL crl : crls) {
                if (!signatures.verifies(crl, issuer.getPublicKey())) {
                    throw new Failure(FailureCode.CLIENT_CERT_CRL_PROCESSING_ERROR,
                            "CRL of " + CertificateNames.subject(issuer) + ": signature does not verify with the key of the issuer of "
                                    + describe(c));
                }
                if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(now)) {
                    warnings.add("CRL of " + CertificateNames.subject(issuer) + " is stale (nextUpdate "
                            + crl.getNextUpdate().toInstant() + "); still used");
                }
                X509CRLEntry entry = crl.getRevokedCertificate(c.getSerialNumber());
                if (entry != null) {
                    throw new Failure(FailureCode.CLIENT_CERT_CRL_HIT, role(path, i) + " " + describe(c)
                            + " is revoked by the CRL of " + CertificateNames.subject(issuer) + " since "
                            + entry.getRevocationDate().toInstant()
                            + (entry.getRevocationReason() != null ? " (" + entry.getRevocationReason() + ")" : ""));
                }
            }
            checked.add(CertificateNames.subject(c));
        }
        if (unchecked.isEmpty()) {
            return pass(STEP_NAMES[REVOCATION], "not revoked: " + String.join("; ", checked));
        }
        return new Step(STEP_NAMES[REVOCATION], Outcome.NOT_CHECKED, String.join("; ", unchecked)
                + (checked.isEmpty() ? "" : "; not revoked: " + String.join("; ", checked)));
    }

    private Step hostname(List<X509Certificate> path) throws Failure {
        if (params.purpose() != Purpose.SERVER || params.hostname() == null) {
            return new Step(STEP_NAMES[HOSTNAME], Outcome.SKIPPED, "no hostname to check");
        }
        X509Certificate leaf = path.get(0);
        String mismatch;
        try {
            mismatch = Hostnames.mismatch(params.hostname(), NameConstraints.subjectAltNames(leaf));
        } catch (Der.DerException | RuntimeException e) {
            throw new Failure(FailureCode.CLIENT_CERT_INVALID, "leaf " + describe(leaf) + ": malformed subjectAltName");
        }
        if (mismatch != null) {
            throw new Failure(FailureCode.CLIENT_CERT_INVALID, "leaf " + describe(leaf) + " is not valid for "
                    + params.hostname() + ": " + mismatch);
        }
        return pass(STEP_NAMES[HOSTNAME], "leaf is valid for " + params.hostname());
    }
}
