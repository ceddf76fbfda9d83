package dev.gatehouse.clientcert;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * PEM certificates (RFC 7468) as they appear in headers once percent-encoding is undone.
 *
 * <p>Accepted: one or more {@code -----BEGIN CERTIFICATE-----} ... {@code -----END CERTIFICATE-----}
 * blocks, separated by optional whitespace; inside a block the base64 may be broken into lines by
 * any run of whitespace (LF, CRLF, the LF + TAB of nginx's {@code $ssl_client_cert}, or the single
 * spaces some proxies put in place of line ends). Every line but the last must be as long as the
 * first and the last no longer: a {@code +} that a form decoder turned into a space splits a line
 * and is reported instead of being decoded into a different certificate.
 */
final class PemText {

    static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    static final String END = "-----END CERTIFICATE-----";
    static final int LINE_LENGTH = 64;

    private PemText() {
    }

    static List<X509Certificate> parse(SourceText text, CertificateFactory factory) {
        List<X509Certificate> certificates = new ArrayList<>();
        int n = text.length();
        int i = skipWhitespace(text, 0);
        if (i == n) {
            throw new ForwardedClientCertException("no certificate (expected: '" + BEGIN + "')", text.offsetOf(i));
        }
        while (i < n) {
            int number = certificates.size() + 1;
            if (!text.startsWith(BEGIN, i)) {
                throw new ForwardedClientCertException("found " + Texts.quote(text, i, 32)
                        + " (expected: '" + BEGIN + "' starting certificate " + number + ")", text.offsetOf(i));
            }
            int bodyStart = i + BEGIN.length();
            int end = text.indexOf(END, bodyStart);
            int nextBegin = text.indexOf("-----BEGIN", bodyStart);
            if (end < 0 || nextBegin >= 0 && nextBegin < end) {
                throw new ForwardedClientCertException("certificate " + number + " has no '" + END
                        + "' line (expected: one after its BEGIN line; the value is truncated?)",
                        text.offsetOf(end < 0 ? n : nextBegin));
            }
            String what = "certificate " + number;
            SourceText base64 = joinLines(text, bodyStart, end, what);
            byte[] der = Base64Text.decode(base64, true, what);
            certificates.add(DerCertificates.parse(factory, der, text.offsetOf(bodyStart), what));
            i = skipWhitespace(text, end + END.length());
        }
        return certificates;
    }

    private static SourceText joinLines(SourceText text, int from, int to, String what) {
        SourceText.Builder joined = new SourceText.Builder(to - from);
        int firstLength = -1;
        int lineNumber = 0;
        int previousLength = -1;
        int previousStart = -1;
        int i = skipWhitespace(text, from);
        while (i < to) {
            int start = i;
            while (i < to && !isWhitespace(text.charAt(i))) {
                joined.append(text.charAt(i), text.offsetOf(i));
                i++;
            }
            int length = i - start;
            lineNumber++;
            if (firstLength < 0) {
                firstLength = length;
            } else if (previousLength != firstLength) {
                // The previous line was not the last one, so it had to be full.
                throw lineError(text, previousStart, lineNumber - 1, previousLength, firstLength, what);
            } else if (length > firstLength) {
                throw lineError(text, start, lineNumber, length, firstLength, what);
            }
            previousLength = length;
            previousStart = start;
            i = skipWhitespace(text, i);
        }
        joined.end(text.offsetOf(to));
        return joined.build();
    }

    private static ForwardedClientCertException lineError(
            SourceText text, int start, int line, int length, int expected, String what) {
        return new ForwardedClientCertException("base64 line " + line + " of " + what + " has " + length
                + " characters (expected: " + expected + " like its first line, only the last line may be"
                + " shorter); was the value form-decoded, turning '+' into a space?", text.offsetOf(start));
    }

    private static int skipWhitespace(SourceText text, int i) {
        while (i < text.length() && isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    /** Standard PEM text: 64-character lines, LF line ends, each certificate ending with LF. */
    static String encode(List<byte[]> derCertificates) {
        StringBuilder sb = new StringBuilder();
        for (byte[] der : derCertificates) {
            sb.append(BEGIN).append('\n');
            String b64 = java.util.Base64.getEncoder().encodeToString(der);
            for (int i = 0; i < b64.length(); i += LINE_LENGTH) {
                sb.append(b64, i, Math.min(b64.length(), i + LINE_LENGTH)).append('\n');
            }
            sb.append(END).append('\n');
        }
        return sb.toString();
    }
}
