package dev.gatehouse.pki;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a distinguished name in the form of {@link CertificateNames} (RFC 2253 as {@code openssl x509
 * -nameopt RFC2253} prints it, with {@code \,} and {@code \C3\A9} escapes) back into attribute/value pairs,
 * for rule patterns and the names they are matched against.
 */
public final class DistinguishedNames {
    private static final Map<String, String> ALIASES = Map.of(
            "E", "EMAILADDRESS",
            "EMAIL", "EMAILADDRESS",
            "S", "ST",
            "SURNAME", "SN",
            "GIVENNAME", "GN",
            "DOMAINCOMPONENT", "DC",
            "USERID", "UID");

    private DistinguishedNames() {}

    /**
     * The {@code [ATTRIBUTE, value]} pairs of an RFC 2253 name, attribute names upper-cased and aliases
     * resolved, values unescaped; multi-valued RDNs ({@code +}) give one pair per value.
     *
     * @throws IllegalArgumentException for text that is not such a name
     */
    public static List<String[]> attributes(String dn) {
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

}
