package dev.gatehouse.pki;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The RFC 5280 certificate profile, checked on every certificate of a candidate path: what makes a
 * certificate malformed ({@code ClientCertInvalid}) regardless of which path it is on.
 */
final class CertificateProfile {
    private static final String AKI = "2.5.29.35";
    private static final String SKI = "2.5.29.14";
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String SAN = "2.5.29.17";
    private static final String EKU = "2.5.29.37";
    private static final String POLICY_CONSTRAINTS = "2.5.29.36";
    private static final String AIA = "1.3.6.1.5.5.7.1.1";

    private CertificateProfile() {}

    /**
     * Null if {@code c} conforms, else what is wrong. Anchors are exempt from the v3 and AKI rules.
     *
     * @param requireKeyIdentifiers whether an authority key identifier (on every non-self-signed
     *     certificate) and a subject key identifier (on CAs) must be present, as RFC 5280 4.2.1.1/4.2.1.2
     *     require of conforming CAs. Required when verifying servers (the web-PKI profile); not for client
     *     certificates, which private device CAs often issue without them and which OpenSSL-based peers
     *     accept. A present but malformed identifier is refused either way.
     */
    static String problem(X509Certificate c, boolean leaf, boolean anchor, boolean requireKeyIdentifiers) {
        try {
            return check(c, leaf, anchor, requireKeyIdentifiers);
        } catch (Der.DerException | RuntimeException e) {
            return "malformed extension: " + e.getMessage();
        }
    }

    private static String check(X509Certificate c, boolean leaf, boolean anchor, boolean requireKeyIdentifiers)
            throws Der.DerException {
        if (c.getVersion() != 3 && !anchor) {
            return "X.509 v" + c.getVersion() + " (expected: v3)";
        }
        Set<String> critical = c.getCriticalExtensionOIDs() == null ? Set.of() : c.getCriticalExtensionOIDs();
        Set<String> present = Extensions.present(c);
        for (String oid : critical) {
            if (!PathChecks.KNOWN_EXTENSIONS.contains(oid)) {
                return "unknown critical extension " + oid;
            }
        }
        BigInteger serial = c.getSerialNumber();
        if (!anchor && (serial.signum() <= 0 || serial.toByteArray().length > 20)) {
            return "serial number " + CertificateNames.serialHex(serial) + " (expected: positive, at most 20 octets)";
        }
        boolean ca = Extensions.basicConstraints(c, present) >= 0;
        boolean selfSigned = PathChecks.selfIssued(c);
        if (critical.contains(AKI)) {
            return "critical authority key identifier (expected: non-critical)";
        }
        if (critical.contains(SKI)) {
            return "critical subject key identifier (expected: non-critical)";
        }
        byte[] aki = extension(c, present, AKI);
        byte[] ski = extension(c, present, SKI);
        if (aki != null) {
            byte[] keyId = null;
            for (Der.Value v : Der.read(aki).children()) {
                if (v.contextTag() == 0) {
                    keyId = v.content();
                } else {
                    return "authority key identifier with issuer and serial (expected: key identifier only)";
                }
            }
            if (keyId == null) {
                return "authority key identifier without a key identifier";
            }
            if (anchor && selfSigned && ski != null && !Arrays.equals(keyId, Der.read(ski).content())) {
                return "self-signed certificate whose authority key identifier differs from its subject key identifier";
            }
        } else if (!selfSigned && !anchor && requireKeyIdentifiers) {
            return "no authority key identifier (expected: RFC 5280 4.2.1.1)";
        }
        if (ca && ski == null && requireKeyIdentifiers) {
            return "CA certificate without a subject key identifier (expected: RFC 5280 4.2.1.2)";
        }
        if (ca && !critical.contains(BASIC_CONSTRAINTS)) {
            return "CA certificate with non-critical basic constraints (expected: critical)";
        }
        boolean[] ku = Extensions.keyUsage(c, present);
        if (!ca && ku != null && ku.length > 5 && ku[5]) {
            return "keyCertSign key usage without CA:TRUE";
        }
        if (!ca && present.contains(NameConstraints.OID)) {
            return "name constraints in a certificate that is not a CA";
        }
        if (present.contains(POLICY_CONSTRAINTS) && !critical.contains(POLICY_CONSTRAINTS)) {
            return "non-critical policy constraints (expected: critical)";
        }
        byte[] eku = extension(c, present, EKU);
        if (eku != null && Der.read(eku).children().isEmpty()) {
            return "empty extended key usage";
        }
        byte[] aia = extension(c, present, AIA);
        if (aia != null) {
            Der.Value seq = Der.read(aia);
            if (seq.tag != Der.SEQUENCE || seq.children().isEmpty()) {
                return "malformed authority information access";
            }
            for (Der.Value ad : seq.children()) {
                List<Der.Value> f = ad.children();
                if (ad.tag != Der.SEQUENCE || f.size() != 2) {
                    return "malformed authority information access";
                }
                f.get(0).oid();
                NameConstraints.generalName(f.get(1));
            }
        }
        if (present.contains(SAN)) {
            List<NameConstraints.GeneralName> sans = NameConstraints.subjectAltNames(c);
            if (sans.isEmpty()) {
                return "empty subject alternative name";
            }
            boolean subjectEmpty = c.getSubjectX500Principal().getEncoded().length <= 2;
            if (critical.contains(SAN) && !subjectEmpty) {
                return "critical subject alternative name with a non-empty subject (expected: non-critical)";
            }
            for (NameConstraints.GeneralName n : sans) {
                if (n.type() == NameConstraints.GeneralName.DNS && !validDnsName(n.text())) {
                    return "malformed DNS name in subject alternative name: " + n.text();
                }
                if (n.type() == NameConstraints.GeneralName.RFC822 && !validEmail(n.text())) {
                    return "malformed email address in subject alternative name: " + n.text();
                }
                if (n.type() == NameConstraints.GeneralName.IP && n.value().length != 4 && n.value().length != 16) {
                    return "malformed IP address in subject alternative name";
                }
            }
        }
        return null;
    }

    private static byte[] extension(X509Certificate c, Set<String> present, String oid) throws Der.DerException {
        byte[] v = Extensions.value(c, present, oid);
        return v == null ? null : Der.read(v).content();
    }

    /** LDH labels, a wildcard only as the whole left-most label. */
    static boolean validDnsName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        String n = name.startsWith("*.") ? name.substring(2) : name;
        String[] labels = n.split("\\.", -1);
        for (String l : labels) {
            if (l.isEmpty() || l.length() > 63 || l.startsWith("-") || l.endsWith("-")) {
                return false;
            }
            for (int i = 0; i < l.length(); i++) {
                char ch = l.charAt(i);
                if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean validEmail(String email) {
        int at = email.lastIndexOf('@');
        if (at <= 0 || at != email.indexOf('@')) {
            return false;
        }
        String local = email.substring(0, at);
        for (int i = 0; i < local.length(); i++) {
            char ch = local.charAt(i);
            if (ch <= 0x20 || ch >= 0x7f || "()<>[]:;@\\,\"".indexOf(ch) >= 0) {
                return false;
            }
        }
        String domain = email.substring(at + 1);
        return !domain.startsWith("*") && validDnsName(domain);
    }
}
