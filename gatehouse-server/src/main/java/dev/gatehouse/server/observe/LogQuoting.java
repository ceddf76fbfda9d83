package dev.gatehouse.server.observe;

/**
 * The one quoting of the logs' quoted fields (the access log's host, path, subject and reason; the
 * connection log's subject), as {@code docs/access-log.md} documents it: the value between double quotes,
 * {@code "} and {@code \} escaped with a backslash, control characters written as {@code \xHH} in
 * upper-case hex, every other character (non-ASCII included) as it is; {@code -} when absent. A value
 * written in both logs, such as a client certificate subject, reads the same in each.
 */
final class LogQuoting {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogQuoting() {}

    /** Appends {@code s} quoted, or {@code -} if it is {@code null}. */
    static void quote(StringBuilder sb, String s) {
        if (s == null) {
            sb.append('-');
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    /** {@code s} quoted, or {@code -} if it is {@code null}. */
    static String quoted(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }
}
