package dev.gatehouse.server.observe;

import java.time.Instant;

/**
 * The timestamps of both logs: ISO 8601 UTC with microseconds, {@code 2023-10-04T17:05:15.514108Z}
 * ({@link ConnectionLog#TIMESTAMP}). The date and time of day are formatted once per second (a busy second
 * writes thousands of lines) and the microseconds appended. Thread-safe: one per log.
 */
final class LogTime {
    /** The last second formatted ({@code uuuu-MM-ddTHH:mm:ss}): lines of the same second share it. */
    private volatile Second last = new Second(Long.MIN_VALUE, "");

    private record Second(long epochSecond, String text) {}

    /** Appends the timestamp of {@code micros} microseconds since the epoch. */
    void append(StringBuilder sb, long epochMicros) {
        long epochSecond = Math.floorDiv(epochMicros, 1_000_000L);
        Second s = last;
        if (s.epochSecond != epochSecond) {
            String text = ConnectionLog.TIMESTAMP.format(Instant.ofEpochSecond(epochSecond));
            s = new Second(epochSecond, text.substring(0, text.length() - 8)); // drop ".000000Z"
            last = s;
        }
        sb.append(s.text).append('.');
        int micros = (int) Math.floorMod(epochMicros, 1_000_000L);
        for (int d = 100_000; d > 1; d /= 10) {
            if (micros < d) {
                sb.append('0');
            }
        }
        sb.append(micros).append('Z');
    }

    /** Microseconds since the epoch of {@code t}. */
    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
