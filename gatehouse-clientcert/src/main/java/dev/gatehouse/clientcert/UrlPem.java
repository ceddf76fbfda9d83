package dev.gatehouse.clientcert;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes percent-encoded PEM straight from DER, without building the PEM text first.
 *
 * <p>{@link #encodeLoadBalancer} is the gateway's per-connection path: it computes the exact output
 * length, writes base64 into one byte array and makes one String of it.
 */
final class UrlPem {

    private static final byte[] BEGIN = ascii("-----BEGIN%20CERTIFICATE-----%0A");
    private static final byte[] END = ascii("-----END%20CERTIFICATE-----%0A");
    private static final byte[] NEWLINE = ascii("%0A");
    private static final byte[] ALPHABET = Base64Text.alphabetBytes();
    private static final int LINE = PemBlocks.LINE_LENGTH;

    private UrlPem() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Length of one certificate's block in the load-balancer form. */
    private static int blockLength(int derLength) {
        int base64 = (derLength + 2) / 3 * 4;
        int lines = (base64 + LINE - 1) / LINE;
        return BEGIN.length + base64 + lines * NEWLINE.length + END.length;
    }

    static String encodeLoadBalancer(List<byte[]> derCertificates) {
        if (derCertificates == null || derCertificates.isEmpty()) {
            throw new IllegalArgumentException("derCertificates: " + derCertificates
                    + " (expected: at least one certificate, leaf first)");
        }
        int total = 0;
        for (int c = 0; c < derCertificates.size(); c++) {
            byte[] der = derCertificates.get(c);
            if (der == null || der.length == 0) {
                throw new IllegalArgumentException("derCertificates[" + c + "]: "
                        + (der == null ? "null" : "empty") + " (expected: DER bytes of a certificate)");
            }
            total += blockLength(der.length);
        }
        byte[] out = new byte[total];
        int p = 0;
        for (int c = 0; c < derCertificates.size(); c++) {
            p = writeBlock(derCertificates.get(c), out, p);
        }
        return new String(out, 0, p, StandardCharsets.ISO_8859_1);
    }

    private static int writeBlock(byte[] der, byte[] out, int p) {
        System.arraycopy(BEGIN, 0, out, p, BEGIN.length);
        p += BEGIN.length;
        int column = 0;
        int i = 0;
        int full = der.length - der.length % 3;
        while (i < full) {
            int bits = (der[i] & 0xff) << 16 | (der[i + 1] & 0xff) << 8 | der[i + 2] & 0xff;
            i += 3;
            out[p++] = ALPHABET[bits >>> 18];
            out[p++] = ALPHABET[bits >>> 12 & 0x3f];
            out[p++] = ALPHABET[bits >>> 6 & 0x3f];
            out[p++] = ALPHABET[bits & 0x3f];
            column += 4;
            if (column == LINE) {
                p = writeNewline(out, p);
                column = 0;
            }
        }
        int rest = der.length - full;
        if (rest > 0) {
            int bits = (der[i] & 0xff) << 16 | (rest == 2 ? (der[i + 1] & 0xff) << 8 : 0);
            out[p++] = ALPHABET[bits >>> 18];
            out[p++] = ALPHABET[bits >>> 12 & 0x3f];
            out[p++] = rest == 2 ? ALPHABET[bits >>> 6 & 0x3f] : (byte) '=';
            out[p++] = '=';
            column += 4;
        }
        if (column > 0) {
            p = writeNewline(out, p);
        }
        System.arraycopy(END, 0, out, p, END.length);
        return p + END.length;
    }

    private static int writeNewline(byte[] out, int p) {
        out[p] = '%';
        out[p + 1] = '0';
        out[p + 2] = 'A';
        return p + 3;
    }

    /**
     * Fully escaped form, as nginx's {@code $ssl_client_escaped_cert} and Envoy's XFCC {@code Cert}
     * write it: the load-balancer form with {@code +}, {@code /} and {@code =} also escaped
     * ({@code %2B}, {@code %2F}, {@code %3D}); hex digits upper-case.
     */
    static String encodeEscaped(List<byte[]> derCertificates) {
        String lb = encodeLoadBalancer(derCertificates);
        StringBuilder sb = new StringBuilder(lb.length() + lb.length() / 8);
        for (int i = 0; i < lb.length(); i++) {
            char c = lb.charAt(i);
            switch (c) {
                case '+':
                    sb.append("%2B");
                    break;
                case '/':
                    sb.append("%2F");
                    break;
                case '=':
                    sb.append("%3D");
                    break;
                default:
                    sb.append(c);
            }
        }
        return sb.toString();
    }
}
