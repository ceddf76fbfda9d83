package dev.gatehouse.pki;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;

/**
 * A CA's name constraints extension (RFC 5280 section 4.2.1.10) and the check of one certificate's
 * names against it: DNS names, email addresses (SAN and subject emailAddress), URIs (by host), IP
 * addresses and directory names; permitted and excluded subtrees.
 */
final class NameConstraints {
    static final String OID = "2.5.29.30";
    private static final String EMAIL_ATTRIBUTE = "1.2.840.113549.1.9.1";

    /** One GeneralName: its [n] type and raw content (for directoryName: the Name's DER). */
    record GeneralName(int type, byte[] value) {
        static final int RFC822 = 1;
        static final int DNS = 2;
        static final int DIRECTORY = 4;
        static final int URI = 6;
        static final int IP = 7;

        String text() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }

        String describe() {
            return switch (type) {
                case RFC822 -> "email:" + text();
                case DNS -> "DNS:" + text();
                case URI -> "URI:" + text();
                case IP -> "IP:" + ipText(value);
                case DIRECTORY -> "DirName:" + CertificateNames.distinguishedName(new X500Principal(value));
                default -> "name type [" + type + "]";
            };
        }
    }

    private final List<GeneralName> permitted;
    private final List<GeneralName> excluded;

    private NameConstraints(List<GeneralName> permitted, List<GeneralName> excluded) {
        this.permitted = permitted;
        this.excluded = excluded;
    }

    /** The constraints of {@code ca}, or null when it has none. */
    static NameConstraints of(X509Certificate ca) throws Der.DerException {
        byte[] ext = Extensions.value(ca, Extensions.present(ca), OID);
        if (ext == null) {
            return null;
        }
        Der.Value seq = Der.read(Der.read(ext).content());
        if (seq.tag != Der.SEQUENCE) {
            throw new Der.DerException("name constraints are not a SEQUENCE");
        }
        List<GeneralName> permitted = new ArrayList<>();
        List<GeneralName> excluded = new ArrayList<>();
        List<Der.Value> parts = seq.children();
        if (parts.isEmpty()) {
            throw new Der.DerException("empty name constraints");
        }
        for (Der.Value part : parts) {
            int t = part.contextTag();
            if (t != 0 && t != 1 || !part.isConstructed()) {
                throw new Der.DerException("unexpected element in name constraints");
            }
            List<Der.Value> subtrees = part.children();
            if (subtrees.isEmpty()) {
                throw new Der.DerException("empty GeneralSubtrees");
            }
            for (Der.Value subtree : subtrees) {
                List<Der.Value> fields = subtree.children();
                if (fields.isEmpty()) {
                    throw new Der.DerException("empty GeneralSubtree");
                }
                if (fields.size() > 1) {
                    // minimum/maximum: RFC 5280 requires minimum 0 and no maximum.
                    throw new Der.DerException("GeneralSubtree with minimum or maximum");
                }
                GeneralName base = generalName(fields.get(0));
                if (base.type == GeneralName.DNS && base.text().startsWith(".")) {
                    throw new Der.DerException("DNS name constraint with a leading period: " + base.text());
                }
                (t == 0 ? permitted : excluded).add(base);
            }
        }
        return new NameConstraints(permitted, excluded);
    }

    static GeneralName generalName(Der.Value v) throws Der.DerException {
        int type = v.contextTag();
        if (type < 0) {
            throw new Der.DerException("GeneralName is not context-tagged");
        }
        if (type == GeneralName.DIRECTORY) {
            List<Der.Value> inner = v.children();
            if (inner.size() != 1) {
                throw new Der.DerException("bad directoryName");
            }
            return new GeneralName(type, inner.get(0).encoded());
        }
        return new GeneralName(type, v.content());
    }

    /** SAN entries of a certificate as GeneralNames (empty if none). */
    static List<GeneralName> subjectAltNames(X509Certificate cert) throws Der.DerException {
        byte[] ext = Extensions.value(cert, Extensions.present(cert), "2.5.29.17");
        List<GeneralName> out = new ArrayList<>();
        if (ext == null) {
            return out;
        }
        Der.Value seq = Der.read(Der.read(ext).content());
        if (seq.tag != Der.SEQUENCE) {
            throw new Der.DerException("subjectAltName is not a SEQUENCE");
        }
        for (Der.Value v : seq.children()) {
            out.add(generalName(v));
        }
        return out;
    }

    /**
     * Checks {@code cert}'s names; returns null when they conform, else what violates which constraint.
     */
    String violation(X509Certificate cert, List<GeneralName> sans) throws Der.DerException {
        List<GeneralName> names = new ArrayList<>(sans);
        X500Principal subject = cert.getSubjectX500Principal();
        byte[] subjectDer = subject.getEncoded();
        List<Der.Value> rdns = Der.read(subjectDer).children();
        if (!rdns.isEmpty()) {
            names.add(new GeneralName(GeneralName.DIRECTORY, subjectDer));
        }
        for (Der.Value rdn : rdns) {
            for (Der.Value atv : rdn.children()) {
                List<Der.Value> f = atv.children();
                if (f.get(0).oid().equals(EMAIL_ATTRIBUTE)) {
                    names.add(new GeneralName(GeneralName.RFC822, f.get(1).content()));
                }
            }
        }
        for (GeneralName name : names) {
            boolean supported = name.type == GeneralName.DNS || name.type == GeneralName.RFC822
                    || name.type == GeneralName.URI || name.type == GeneralName.IP || name.type == GeneralName.DIRECTORY;
            if (!supported) {
                for (GeneralName c : concat(permitted, excluded)) {
                    if (c.type == name.type) {
                        return name.describe() + " is of a name form whose constraints this verifier does not process";
                    }
                }
                continue;
            }
            for (GeneralName ex : excluded) {
                if (ex.type == name.type && (matches(name, ex) || wildcardCovers(name, ex))) {
                    return name.describe() + " is in the excluded subtree " + ex.describe();
                }
            }
            boolean constrained = false;
            boolean ok = false;
            for (GeneralName p : permitted) {
                if (p.type == name.type) {
                    constrained = true;
                    if (matches(name, p)) {
                        ok = true;
                        break;
                    }
                }
            }
            if (constrained && !ok) {
                return name.describe() + " is outside the permitted subtrees";
            }
        }
        return null;
    }

    private static List<GeneralName> concat(List<GeneralName> a, List<GeneralName> b) {
        List<GeneralName> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** A wildcard DNS name {@code *.example.com} may stand for a name inside an excluded subtree. */
    static boolean wildcardCovers(GeneralName name, GeneralName excluded) {
        if (name.type != GeneralName.DNS || !name.text().startsWith("*.")) {
            return false;
        }
        String base = name.text().substring(2).toLowerCase(Locale.ROOT);
        String c = excluded.text().toLowerCase(Locale.ROOT);
        return c.endsWith("." + base) && c.indexOf('.') == c.length() - base.length() - 1;
    }

    static boolean matches(GeneralName name, GeneralName constraint) throws Der.DerException {
        return switch (name.type) {
            case GeneralName.DNS -> dnsMatches(name.text(), constraint.text());
            case GeneralName.RFC822 -> emailMatches(name.text(), constraint.text());
            case GeneralName.URI -> uriMatches(name.text(), constraint.text());
            case GeneralName.IP -> ipMatches(name.value, constraint.value);
            case GeneralName.DIRECTORY -> dnMatches(name.value, constraint.value);
            default -> false;
        };
    }

    static boolean dnsMatches(String name, String constraint) {
        String n = name.toLowerCase(Locale.ROOT);
        String c = constraint.toLowerCase(Locale.ROOT);
        if (c.isEmpty()) {
            return true;
        }
        if (c.startsWith(".")) {
            return n.endsWith(c) && n.length() > c.length();
        }
        return n.equals(c) || n.endsWith("." + c);
    }

    static boolean emailMatches(String email, String constraint) {
        int at = email.lastIndexOf('@');
        if (at < 0) {
            return false;
        }
        String local = email.substring(0, at);
        String host = email.substring(at + 1).toLowerCase(Locale.ROOT);
        int cat = constraint.lastIndexOf('@');
        if (cat >= 0) {
            return constraint.substring(0, cat).equals(local)
                    && constraint.substring(cat + 1).equalsIgnoreCase(host);
        }
        String c = constraint.toLowerCase(Locale.ROOT);
        if (c.startsWith(".")) {
            return host.endsWith(c) && host.length() > c.length();
        }
        return host.equals(c);
    }

    static boolean uriMatches(String uri, String constraint) {
        String host;
        try {
            host = URI.create(uri).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        String c = constraint.toLowerCase(Locale.ROOT);
        if (c.startsWith(".")) {
            return host.endsWith(c) && host.length() > c.length();
        }
        return host.equals(c);
    }

    static boolean ipMatches(byte[] addr, byte[] constraint) throws Der.DerException {
        if (constraint.length != 8 && constraint.length != 32) {
            throw new Der.DerException("IP constraint of " + constraint.length + " bytes (expected: 8 or 32)");
        }
        int n = constraint.length / 2;
        if (addr.length != n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int mask = constraint[n + i] & 0xff;
            if ((addr[i] & mask) != (constraint[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    static boolean dnMatches(byte[] nameDer, byte[] constraintDer) throws Der.DerException {
        List<Der.Value> name = Der.read(nameDer).children();
        List<Der.Value> prefix = Der.read(constraintDer).children();
        if (prefix.size() > name.size()) {
            return false;
        }
        if (prefix.isEmpty()) {
            return true;
        }
        byte[][] parts = new byte[prefix.size()][];
        for (int i = 0; i < prefix.size(); i++) {
            parts[i] = name.get(i).encoded();
        }
        X500Principal namePrefix = new X500Principal(Der.sequence(parts));
        return namePrefix.equals(new X500Principal(constraintDer));
    }

    static String ipText(byte[] b) {
        if (b.length == 4 || b.length == 16) {
            try {
                return java.net.InetAddress.getByAddress(b).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                // fall through
            }
        }
        if (b.length == 8 || b.length == 32) {
            return ipText(Arrays.copyOf(b, b.length / 2)) + "/" + ipText(Arrays.copyOfRange(b, b.length / 2, b.length));
        }
        return java.util.HexFormat.of().formatHex(b);
    }
}
