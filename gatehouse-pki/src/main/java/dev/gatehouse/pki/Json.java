package dev.gatehouse.pki;

/**
 * The little JSON Gatehouse writes by hand (verdicts, the admin API, JSON log lines, the quickstart's echo
 * target): string literals, escaped so that any text, control characters included, stays one valid string.
 */
public final class Json {
    private Json() {}

    /** {@code s} as a JSON string literal, quotes included. */
    public static String quote(String s) {
        return quote(new StringBuilder(s == null ? 4 : s.length() + 2), s).toString();
    }

    /** Appends {@code s} as a JSON string literal ({@code null} as {@code null}) to {@code sb}; returns {@code sb}. */
    public static StringBuilder quote(StringBuilder sb, String s) {
        if (s == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
