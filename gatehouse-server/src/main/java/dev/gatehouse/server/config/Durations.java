package dev.gatehouse.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Gatehouse writes them everywhere, in the configuration and on the command line: a number
 * with a unit, {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or a sum such as {@code 1m30s}.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d{1,9}(?:ms|s|m|h))+");
    /** What a duration looks like, for error messages. */
    public static final String FORM = "a duration such as 250ms, 5s, 2m, 1h or 1m30s";
    /**
     * The longest duration accepted: a year. Longer ones mean a typo, and timers count in nanoseconds
     * from now, which holds about 292 years: a bigger value would fail when a timer is set, not here.
     */
    public static final Duration MAX = Duration.ofHours(8760);

    private Durations() {}

    /**
     * Parses {@code text} (already trimmed).
     *
     * @throws IllegalArgumentException naming the text and what was expected ({@link #FORM})
     */
    public static Duration parse(String text) {
        return parse(text, FORM);
    }

    /** {@link #parse(String)}, naming {@code expected} in its error. */
    public static Duration parse(String text, String expected) {
        if (text.matches("\\d+(\\.\\d+)?")) {
            throw new IllegalArgumentException("'" + text + "' has no unit (expected: " + expected + ")");
        }
        if (!WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (expected: " + expected + ")");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
        }
        if (total.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("'" + text + "' is longer than a year (expected: at most "
                    + MAX.toHours() + "h)");
        }
        return total;
    }

    /** {@code d} as the configuration writes it: {@code 10m}, {@code 1m30s}, {@code 250ms} ({@link #parse} reads it back). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        StringBuilder sb = new StringBuilder();
        if (s >= 3600) {
            sb.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            sb.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0 || sb.length() == 0) {
            sb.append(s % 60).append('s');
        }
        return sb.toString();
    }
}
