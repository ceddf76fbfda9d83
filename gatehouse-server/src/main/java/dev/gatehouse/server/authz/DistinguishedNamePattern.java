package dev.gatehouse.server.authz;

import dev.gatehouse.pki.DistinguishedNames;
import java.util.List;

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
        List<String[]> pairs = DistinguishedNames.attributes(pattern);
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

    /** Whether {@code name} (parsed with {@link DistinguishedNames#attributes}) has every attribute of this pattern with a matching value. */
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

    @Override
    public String toString() {
        return text;
    }
}
