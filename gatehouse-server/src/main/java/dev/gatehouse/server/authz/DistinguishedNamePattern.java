package dev.gatehouse.server.authz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code subject} or {@code issuer} pattern of a rule: {@code ATTRIBUTE=value} pairs such as
 * {@code CN=ops-*,O=Acme}. It matches a name when every attribute it names is present in the name with
 * a value that matches; attributes it does not name are ignored, and order does not matter.
 *
 * <h2>Forms</h2>
 * Names are read in the form of {@code dev.gatehouse.pki.CertificateNames} (RFC 2253 as
 * {@code openssl x509 -nameopt RFC2253} prints it: {@code \,} and {@code \C3\A9} escapes), and patterns
 * in the same form, so a value copied from a header or the connection log matches. Both sides are
 * unescaped before comparing, so {@code O=Acme\, Inc.} and {@code CN=José} work as written.
 * Attribute names are case-insensitive ({@code cn}, {@code CN}; {@code E} and {@code EMAIL} for
 * {@code emailAddress}); values are compared case-insensitively, as X.500 compares the directory
 * strings of CN, O, OU and friends, and {@code *} in a value matches any run of characters.
 *
 * <p>Immutable and thread-safe.
 */
final class DistinguishedNamePattern {
    private static final Map<String, String> ALIASES = Map.of(
            "E", "EMAILADDRESS",
            "EMAIL", "EMAILADDRESS",
            "S", "ST",
            "SURNAME", "SN",
            "GIVENNAME", "GN",
            "DOMAINCOMPONENT", "DC",
            "USERID", "UID");

    private final String text;
    private final String[] attributes;
    private final Wildcards[] values;

    private DistinguishedNamePattern(String text, String[] attributes, Wildcards[] values) {
        this.text = text;
        this.attributes = attributes;
        this.values = values;
    }

    /** @throws IllegalArgumentException if {@code pattern} is not a list of {@code ATTRIBUTE=value} */
    static DistinguishedNamePattern compile(String pattern) {
        List<String[]> pairs = parse(pattern);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("'" + pattern + "' is not a name pattern (expected: ATTRIBUTE=value"
                    + " pairs such as CN=ops-*,O=Acme)");
        }
        String[] attributes = new String[pairs.size()];
        Wildcards[] values = new Wildcards[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            attributes[i] = pairs.get(i)[0];
            values[i] = Wildcards.anything(pairs.get(i)[1], true);
        }
        return new DistinguishedNamePattern(pattern, attributes, values);
    }

    /** Whether {@code name} (parsed with {@link #parse}) has every attribute of this pattern with a matching value. */
    boolean matches(List<String[]> name) {
        for (int i = 0; i < attributes.length; i++) {
            boolean found = false;
            for (String[] pair : name) {
                if (pair[0].equals(attributes[i]) && values[i].matches(pair[1])) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /**
     * The {@code [ATTRIBUTE, value]} pairs of an RFC 2253 name, attribute names upper-cased and aliases
     * resolved, values unescaped; multi-valued RDNs ({@code +}) give one pair per value.
     *
     * @throws IllegalArgumentException for text that is not such a name
     */
    static List<String[]> parse(String dn) {
        List<String[]> out = new ArrayList<>();
        int i = 0;
        int n = dn.length();
        while (i < n) {
            while (i < n && dn.charAt(i) == ' ') {
                i++;
            }
            int eq = dn.indexOf('=', i);
            if (eq <= i) {
                throw new IllegalArgumentException("'" + dn + "' is not a name (expected: ATTRIBUTE=value pairs)");
            }
            String attribute = dn.substring(i, eq).strip().toUpperCase(Locale.ROOT);
            attribute = ALIASES.getOrDefault(attribute, attribute);
            i = eq + 1;
            ByteArrayOutputStream value = new ByteArrayOutputStream();
            while (i < n) {
                char c = dn.charAt(i);
                if (c == ',' || c == '+') {
                    break;
                }
                if (c == '\\' && i + 1 < n) {
                    char next = dn.charAt(i + 1);
                    if (i + 2 < n && hex(next) >= 0 && hex(dn.charAt(i + 2)) >= 0) {
                        value.write(hex(next) << 4 | hex(dn.charAt(i + 2)));
                        i += 3;
                    } else {
                        int cp = dn.codePointAt(i + 1);
                        value.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                        i += 1 + Character.charCount(cp);
                    }
                    continue;
                }
                int cp = dn.codePointAt(i);
                value.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
            out.add(new String[] {attribute, value.toString(StandardCharsets.UTF_8)});
            if (i < n) {
                i++; // the separator
            }
        }
        return out;
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    @Override
    public String toString() {
        return text;
    }
}
