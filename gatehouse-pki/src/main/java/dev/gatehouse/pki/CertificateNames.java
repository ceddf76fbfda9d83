package dev.gatehouse.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * The one formatter of certificate facts: headers to targets, the connection log, {@code gatehouse ca
 * list}, {@code ca revoke --serial} and rule patterns all use these forms, so that a value copied from
 * one place matches in another.
 *
 * <ul>
 *   <li>{@link #serialHex}: upper-case hex in whole bytes, no separators, exactly as
 *       {@code openssl x509 -noout -serial} prints it (after {@code serial=}).</li>
 *   <li>{@link #distinguishedName}: exactly as {@code openssl x509 -noout -subject -nameopt RFC2253}
 *       prints it (after {@code subject=}): most specific RDN first, short attribute names,
 *       RFC 2253 escaping, bytes of UTF-8 with the high bit set escaped as {@code \C3\A9}.</li>
 *   <li>{@link #validity}: {@code NotBefore=2023-09-21T01:50:17Z;NotAfter=2024-09-20T01:50:17Z}.</li>
 *   <li>{@link #fingerprintSha256}: SHA-256 of the DER certificate, lower-case hex, no separators.</li>
 * </ul>
 */
public final class CertificateNames {
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();
    private static final DateTimeFormatter ISO_SECONDS = DateTimeFormatter.ISO_INSTANT;

    /** OpenSSL's short names of the attributes seen in certificate names (others print as dotted OIDs). */
    private static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("2.5.4.3", "CN"),
            Map.entry("2.5.4.4", "SN"),
            Map.entry("2.5.4.5", "serialNumber"),
            Map.entry("2.5.4.6", "C"),
            Map.entry("2.5.4.7", "L"),
            Map.entry("2.5.4.8", "ST"),
            Map.entry("2.5.4.9", "street"),
            Map.entry("2.5.4.10", "O"),
            Map.entry("2.5.4.11", "OU"),
            Map.entry("2.5.4.12", "title"),
            Map.entry("2.5.4.13", "description"),
            Map.entry("2.5.4.15", "businessCategory"),
            Map.entry("2.5.4.16", "postalAddress"),
            Map.entry("2.5.4.17", "postalCode"),
            Map.entry("2.5.4.18", "postOfficeBox"),
            Map.entry("2.5.4.20", "telephoneNumber"),
            Map.entry("2.5.4.41", "name"),
            Map.entry("2.5.4.42", "GN"),
            Map.entry("2.5.4.43", "initials"),
            Map.entry("2.5.4.44", "generationQualifier"),
            Map.entry("2.5.4.45", "x500UniqueIdentifier"),
            Map.entry("2.5.4.46", "dnQualifier"),
            Map.entry("2.5.4.65", "pseudonym"),
            Map.entry("2.5.4.72", "role"),
            Map.entry("2.5.4.97", "organizationIdentifier"),
            Map.entry("1.2.840.113549.1.9.1", "emailAddress"),
            Map.entry("1.2.840.113549.1.9.2", "unstructuredName"),
            Map.entry("1.2.840.113549.1.9.8", "unstructuredAddress"),
            Map.entry("0.9.2342.19200300.100.1.1", "UID"),
            Map.entry("0.9.2342.19200300.100.1.25", "DC"),
            Map.entry("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"),
            Map.entry("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"),
            Map.entry("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"));

    private CertificateNames() {}

    /** The certificate's serial number as {@code openssl x509 -noout -serial} prints it. */
    public static String serialHex(X509Certificate cert) {
        return serialHex(cert.getSerialNumber());
    }

    /**
     * Upper-case hex of the serial's magnitude in whole bytes, no separators: {@code 0x0A} → {@code 0A},
     * {@code 0x8001} → {@code 8001} (OpenSSL prints the magnitude without DER's sign padding), zero →
     * {@code 00}, negative → {@code -} and the magnitude.
     */
    public static String serialHex(BigInteger serial) {
        if (serial.signum() == 0) {
            return "00";
        }
        byte[] mag = serial.abs().toByteArray();
        int off = mag[0] == 0 && mag.length > 1 ? 1 : 0;
        String hex = UPPER_HEX.formatHex(mag, off, mag.length);
        return serial.signum() < 0 ? "-" + hex : hex;
    }

    /** Parses a serial given in {@link #serialHex} form (also accepts {@code :} separators and lower case). */
    public static BigInteger parseSerial(String hex) {
        String h = hex.strip().replace(":", "");
        boolean negative = h.startsWith("-");
        if (negative) {
            h = h.substring(1);
        }
        if (h.isEmpty() || !h.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("serial: " + hex + " (expected: hex digits, e.g. 03A5B1)");
        }
        BigInteger v = new BigInteger(h, 16);
        return negative ? v.negate() : v;
    }

    /** The name as {@code openssl x509 -noout -subject -nameopt RFC2253} prints it. */
    public static String distinguishedName(X500Principal name) {
        byte[] der = name.getEncoded();
        try {
            List<Der.Value> rdns = Der.read(der).children();
            StringBuilder sb = new StringBuilder();
            // OpenSSL's DN_REV reverses the flat list of entries, multi-valued RDNs included.
            for (int r = rdns.size() - 1; r >= 0; r--) {
                List<Der.Value> atvs = rdns.get(r).children();
                for (int a = atvs.size() - 1; a >= 0; a--) {
                    if (sb.length() > 0) {
                        sb.append(a == atvs.size() - 1 ? ',' : '+');
                    }
                    List<Der.Value> atv = atvs.get(a).children();
                    appendAttribute(sb, atv.get(0).oid(), atv.get(1));
                }
            }
            return sb.toString();
        } catch (Der.DerException | RuntimeException e) {
            // Not reachable for a name the JDK parsed; fall back to the JDK's own form rather than fail.
            return name.getName(X500Principal.RFC2253);
        }
    }

    /** Subject of a certificate in {@link #distinguishedName} form. */
    public static String subject(X509Certificate cert) {
        return distinguishedName(cert.getSubjectX500Principal());
    }

    /** Issuer of a certificate in {@link #distinguishedName} form. */
    public static String issuer(X509Certificate cert) {
        return distinguishedName(cert.getIssuerX500Principal());
    }

    private static void appendAttribute(StringBuilder sb, String oid, Der.Value value) {
        String shortName = SHORT_NAMES.get(oid);
        if (shortName == null) {
            // OpenSSL: an unknown field name prints as its OID and its value as the DER dump.
            sb.append(oid).append("=#").append(UPPER_HEX.formatHex(value.encoded()));
            return;
        }
        sb.append(shortName).append('=');
        int[] codePoints = decodeString(value);
        if (codePoints == null) {
            sb.append('#').append(UPPER_HEX.formatHex(value.encoded()));
            return;
        }
        byte[] utf8 = new String(codePoints, 0, codePoints.length).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            boolean first = i == 0;
            boolean last = i == utf8.length - 1;
            if (b >= 0x80 || b < 0x20 || b == 0x7f) {
                sb.append('\\').append(UPPER_HEX.toHexDigits((byte) b));
            } else if (b == ',' || b == '+' || b == '"' || b == '\\' || b == '<' || b == '>' || b == ';'
                    || (first && (b == '#' || b == ' ')) || (last && b == ' ')) {
                sb.append('\\').append((char) b);
            } else {
                sb.append((char) b);
            }
        }
    }

    /**
     * Code points of a directory string as OpenSSL reads it, or {@code null} for a type it dumps as hex.
     * One-byte types (Printable, IA5, T61, Numeric, Visible) map each byte to a code point, as OpenSSL does.
     */
    private static int[] decodeString(Der.Value v) {
        byte[] c = v.content();
        switch (v.tag) {
            case 0x0c: // UTF8String
                return new String(c, StandardCharsets.UTF_8).codePoints().toArray();
            case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x18: case 0x1a: {
                int[] out = new int[c.length];
                for (int i = 0; i < c.length; i++) {
                    out[i] = c[i] & 0xff;
                }
                return out;
            }
            case 0x1e: // BMPString
                if (c.length % 2 != 0) {
                    return null;
                }
                return new String(c, StandardCharsets.UTF_16BE).codePoints().toArray();
            case 0x1c: { // UniversalString
                if (c.length % 4 != 0) {
                    return null;
                }
                int[] out = new int[c.length / 4];
                for (int i = 0; i < out.length; i++) {
                    out[i] = ((c[4 * i] & 0xff) << 24) | ((c[4 * i + 1] & 0xff) << 16)
                            | ((c[4 * i + 2] & 0xff) << 8) | (c[4 * i + 3] & 0xff);
                }
                return out;
            }
            default:
                return null;
        }
    }

    /** {@code NotBefore=2023-09-21T01:50:17Z;NotAfter=2024-09-20T01:50:17Z}. */
    public static String validity(X509Certificate cert) {
        return "NotBefore=" + instant(cert.getNotBefore().toInstant())
                + ";NotAfter=" + instant(cert.getNotAfter().toInstant());
    }

    private static String instant(Instant i) {
        return ISO_SECONDS.format(i.truncatedTo(ChronoUnit.SECONDS));
    }

    /** SHA-256 of the DER certificate: 64 lower-case hex digits, no separators. */
    public static String fingerprintSha256(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(Sha256.of(cert.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }
}
