package dev.gatehouse.clientcert;

/**
 * Percent-decoding as RFC 3986 defines it, <strong>without</strong> form semantics: {@code %XX}
 * becomes the byte {@code XX}, every other character stands for itself, and {@code +} stays a
 * {@code +}. (Form decoding, as {@link java.net.URLDecoder} does it, turns {@code +} into a space
 * and so corrupts base64.) Only ASCII may result: the encoded text is PEM.
 */
final class PercentEncoding {

    private PercentEncoding() {
    }

    static SourceText decode(SourceText in) {
        SourceText.Builder out = new SourceText.Builder(in.length());
        int n = in.length();
        for (int i = 0; i < n; i++) {
            char c = in.charAt(i);
            if (c == '%') {
                int hi = i + 1 < n ? hexValue(in.charAt(i + 1)) : -1;
                int lo = i + 2 < n ? hexValue(in.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw new ForwardedClientCertException(
                            "'%' not followed by two hex digits: " + Texts.quote(in, i, 3)
                                    + " (expected: %XX, e.g. %20 or %0A)", in.offsetOf(i));
                }
                int b = hi << 4 | lo;
                if (b >= 0x80) {
                    throw new ForwardedClientCertException(
                            "percent-encoded byte %" + Texts.hex(b) + " is not ASCII"
                                    + " (expected: PEM text, which is ASCII)", in.offsetOf(i));
                }
                out.append((char) b, in.offsetOf(i));
                i += 2;
            } else {
                if (c >= 0x80) {
                    throw new ForwardedClientCertException(
                            "non-ASCII character U+" + Texts.hex4(c) + " (expected: ASCII)", in.offsetOf(i));
                }
                out.append(c, in.offsetOf(i));
            }
        }
        out.end(in.offsetOf(n));
        return out.build();
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
