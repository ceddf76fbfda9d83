package dev.gatehouse.clientcert;

import java.util.Locale;

/** Small helpers for readable error messages. */
final class Texts {

    private Texts() {
    }

    /** Up to {@code max} characters from {@code at}, quoted, with control characters escaped. */
    static String quote(SourceText text, int at, int max) {
        StringBuilder sb = new StringBuilder("'");
        int end = Math.min(text.length(), at + max);
        for (int i = at; i < end; i++) {
            sb.append(printable(text.charAt(i)));
        }
        if (end < text.length()) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }

    static String quoteChar(char c) {
        return "'" + printable(c) + "'";
    }

    private static String printable(char c) {
        switch (c) {
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                return c < 0x20 || c >= 0x7f ? "\\u" + hex4(c) : String.valueOf(c);
        }
    }

    static String hex(int b) {
        return String.format(Locale.ROOT, "%02X", b);
    }

    static String hex4(int c) {
        return String.format(Locale.ROOT, "%04X", c);
    }
}
