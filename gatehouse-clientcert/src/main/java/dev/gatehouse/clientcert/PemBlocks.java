package dev.gatehouse.clientcert;

import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The one PEM reader and writer of Gatehouse (RFC 7468): the forwarded-certificate headers this module
 * decodes and the certificate, key and CRL files the gateway loads are read here.
 *
 * <h2>Two strictness levels</h2>
 * <ul>
 *   <li>{@linkplain #read(String) Files}: blocks of any label; text before, between and after blocks
 *       is ignored (as OpenSSL ignores it: {@code openssl x509 -text} output, bundle comments);
 *       inside a block, lines with a {@code :} before the base64 are RFC 1421 headers
 *       ({@code Proc-Type: 4,ENCRYPTED});
 *       base64 lines may be of any length. Errors say the line: {@code line 12: ...}.</li>
 *   <li>Header values (package-private, for {@code CERTIFICATE} blocks only): only whitespace between
 *       blocks; inside a block the base64 may be broken by any run of whitespace (LF, CRLF, the LF + TAB
 *       of nginx's {@code $ssl_client_cert}, or the single spaces some proxies put in place of line
 *       ends), but every line but the last must be as long as the first and the last no longer: a
 *       {@code +} that a form decoder turned into a space splits a line and is reported instead of being
 *       decoded into a different certificate. Errors carry the offset in the value as received.</li>
 * </ul>
 * Both read base64 with the same strict alphabet check ({@code =} only at the end).
 *
 * <h2>Writing</h2>
 * {@link #write} gives canonical PEM: base64 in 64-character lines, LF line ends, ending with a newline.
 */
public final class PemBlocks {
    static final int LINE_LENGTH = 64;
    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";

    private PemBlocks() {
    }

    /**
     * One block.
     *
     * @param label   the label of its BEGIN line, e.g. {@code CERTIFICATE}, {@code EC PRIVATE KEY}
     * @param headers its RFC 1421 header lines, stripped (none in most files)
     * @param der     the decoded base64
     * @param line    the line of its BEGIN line, from 1
     */
    public record Block(String label, List<String> headers, byte[] der, int line) {
        public Block {
            headers = List.copyOf(headers);
        }
    }

    /**
     * The blocks of the text of a PEM file, in order; text outside blocks is ignored, so a text without
     * blocks gives none.
     *
     * @throws IllegalArgumentException for a block without its END line, a BEGIN or END line of another
     *                                  label inside a block, or base64 that does not decode; the message
     *                                  starts with {@code line N: }
     */
    public static List<Block> read(String text) {
        SourceText source = SourceText.of(text);
        List<Block> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int lineEnd = lineEnd(text, i);
            String line = text.substring(i, lineEnd).strip();
            int next = nextLine(text, lineEnd);
            if (!line.startsWith(BEGIN) || !line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
                i = next;
                continue;
            }
            String label = line.substring(BEGIN.length(), line.length() - DASHES.length());
            int beginLine = lineNumber(text, i);
            String end = "-----END " + label + DASHES;
            List<String> headers = new ArrayList<>();
            SourceText.Builder base64 = new SourceText.Builder(256);
            boolean closed = false;
            i = next;
            while (i < n) {
                lineEnd = lineEnd(text, i);
                next = nextLine(text, lineEnd);
                String l = text.substring(i, lineEnd).strip();
                if (l.equals(end)) {
                    closed = true;
                    break;
                }
                if (l.startsWith(DASHES)) {
                    throw fileError(text, i, "expected " + end + ", found " + l);
                }
                if (l.indexOf(':') >= 0 && base64.length() == 0) {
                    headers.add(l); // RFC 1421 headers come before the base64; a ':' after it is damage
                } else {
                    int from = text.indexOf(l, i);
                    for (int k = from; k < from + l.length(); k++) {
                        base64.append(text.charAt(k), k);
                    }
                }
                i = next;
            }
            if (!closed) {
                throw new IllegalArgumentException("line " + beginLine + ": " + label + " block without " + end);
            }
            base64.end(i);
            byte[] der;
            try {
                der = Base64Text.decode(base64.build(), false, "the " + label + " block");
            } catch (ForwardedClientCertException e) {
                throw fileError(text, e.offset(), e.reason());
            }
            out.add(new Block(label, headers, der, beginLine));
            i = next;
        }
        return out;
    }

    /**
     * The certificates of a header value (percent-encoding already undone), read at the header-value
     * strictness; {@code text} keeps the offsets of the value as received.
     *
     * @throws ForwardedClientCertException naming what was found where, and what was expected
     */
    static List<X509Certificate> certificates(SourceText text, CertificateFactory factory) {
        String begin = BEGIN + "CERTIFICATE" + DASHES;
        String end = "-----END CERTIFICATE" + DASHES;
        List<X509Certificate> certificates = new ArrayList<>();
        int n = text.length();
        int i = skipWhitespace(text, 0);
        if (i == n) {
            throw new ForwardedClientCertException("no certificate (expected: '" + begin + "')", text.offsetOf(i));
        }
        while (i < n) {
            int number = certificates.size() + 1;
            if (!text.startsWith(begin, i)) {
                throw new ForwardedClientCertException("found " + Texts.quote(text, i, 32)
                        + " (expected: '" + begin + "' starting certificate " + number + ")", text.offsetOf(i));
            }
            int bodyStart = i + begin.length();
            int bodyEnd = text.indexOf(end, bodyStart);
            int nextBegin = text.indexOf("-----BEGIN", bodyStart);
            if (bodyEnd < 0 || nextBegin >= 0 && nextBegin < bodyEnd) {
                throw new ForwardedClientCertException("certificate " + number + " has no '" + end
                        + "' line (expected: one after its BEGIN line; the value is truncated?)",
                        text.offsetOf(bodyEnd < 0 ? n : nextBegin));
            }
            String what = "certificate " + number;
            SourceText base64 = joinLines(text, bodyStart, bodyEnd, what);
            byte[] der = Base64Text.decode(base64, true, what);
            certificates.add(DerCertificates.parse(factory, der, text.offsetOf(bodyStart), what));
            i = skipWhitespace(text, bodyEnd + end.length());
        }
        return certificates;
    }

    /** Canonical PEM of one DER object: 64-character base64 lines, LF line ends, ending with a newline. */
    public static String write(String label, byte[] der) {
        StringBuilder sb = new StringBuilder(der.length * 4 / 3 + 64);
        appendBlock(sb, label, der);
        return sb.toString();
    }

    /** Canonical PEM of DER certificates, one {@code CERTIFICATE} block each. */
    static String writeCertificates(List<byte[]> derCertificates) {
        StringBuilder sb = new StringBuilder();
        for (byte[] der : derCertificates) {
            appendBlock(sb, "CERTIFICATE", der);
        }
        return sb.toString();
    }

    private static void appendBlock(StringBuilder sb, String label, byte[] der) {
        sb.append(BEGIN).append(label).append(DASHES).append('\n');
        String b64 = java.util.Base64.getEncoder().encodeToString(der);
        for (int i = 0; i < b64.length(); i += LINE_LENGTH) {
            sb.append(b64, i, Math.min(b64.length(), i + LINE_LENGTH)).append('\n');
        }
        sb.append("-----END ").append(label).append(DASHES).append('\n');
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

    private static IllegalArgumentException fileError(String text, int offset, String message) {
        return new IllegalArgumentException("line " + lineNumber(text, offset) + ": " + message);
    }

    /** The line (from 1) of {@code offset}; CRLF, LF and CR each end a line. */
    private static int lineNumber(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' && (i + 1 >= text.length() || text.charAt(i + 1) != '\n')) {
                line++;
            }
        }
        return line;
    }

    private static int lineEnd(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
            i++;
        }
        return i;
    }

    private static int nextLine(String text, int lineEnd) {
        if (lineEnd < text.length() && text.charAt(lineEnd) == '\r') {
            lineEnd++;
        }
        if (lineEnd < text.length() && text.charAt(lineEnd) == '\n') {
            lineEnd++;
        }
        return lineEnd;
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
}
