package dev.gatehouse.clientcert;

import java.util.Base64;

/** Strict standard-alphabet base64 (RFC 4648 section 4) with errors that point at the input. */
final class Base64Text {

    private Base64Text() {
    }

    static boolean isBase64Char(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }

    /**
     * Decodes {@code text}, which holds only base64 characters (no whitespace).
     *
     * @param paddingRequired {@code true} if the length must be a multiple of 4 (PEM, XFCC, Traefik);
     *                        {@code false} where RFC 8941 says parsers should accept missing padding
     */
    static byte[] decode(SourceText text, boolean paddingRequired, String what) {
        int n = text.length();
        if (n == 0) {
            throw new ForwardedClientCertException("empty base64 text of " + what
                    + " (expected: the base64 of a DER certificate)", text.offsetOf(0));
        }
        int padding = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '=') {
                padding++;
                continue;
            }
            if (padding > 0 || !isBase64Char(c)) {
                String hint = c == ' ' ? "; was the value form-decoded, turning '+' into a space?" : "";
                throw new ForwardedClientCertException("invalid base64 character " + Texts.quoteChar(c)
                        + " in " + what + " (expected: A-Z a-z 0-9 + / and '=' only at the end)" + hint,
                        text.offsetOf(i));
            }
        }
        if (padding > 2) {
            throw new ForwardedClientCertException("base64 of " + what + " ends with " + padding
                    + " '=' (expected: at most 2)", text.offsetOf(n - padding));
        }
        if (paddingRequired ? n % 4 != 0 : n % 4 == 1) {
            throw new ForwardedClientCertException("base64 of " + what + " has " + n + " characters"
                    + (paddingRequired ? " (expected: a multiple of 4; truncated, or characters lost?)"
                                       : " (expected: a length that is not 1 more than a multiple of 4)"),
                    text.offsetOf(n));
        }
        try {
            return Base64.getDecoder().decode(text.toString());
        } catch (IllegalArgumentException e) {
            throw new ForwardedClientCertException("invalid base64 in " + what + ": " + e.getMessage(),
                    text.offsetOf(0), e);
        }
    }

    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

    static char alphabet(int sixBits) {
        return ALPHABET[sixBits];
    }

    static byte[] alphabetBytes() {
        byte[] b = new byte[64];
        for (int i = 0; i < 64; i++) {
            b[i] = (byte) ALPHABET[i];
        }
        return b;
    }
}
