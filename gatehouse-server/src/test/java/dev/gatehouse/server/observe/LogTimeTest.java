package dev.gatehouse.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Both logs write a time the one way, the documented ISO 8601 UTC with microseconds. */
class LogTimeTest {
    @Test
    void theAccessLogAndTheConnectionLogWriteTheSameTimestamp() {
        AccessLog access = new AccessLog(null, "api");
        ConnectionLog connections = new ConnectionLog(null, "gw-1");
        Instant base = Instant.parse("1999-12-31T23:59:59.999999Z");
        for (long nanos : new long[] {0, 1_000, 7_000, 12_345_000, 999_999_000, 1_000_000_000, 86_400_000_001_000L}) {
            Instant t = base.plusNanos(nanos);
            AccessLog.Entry request = new AccessLog.Entry();
            request.start(System.nanoTime());
            request.wallMicros = t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
            String accessLine = access.format(request);
            String connectionLine = connections.format(new ConnectionLog.Entry(t, "127.0.0.1", 1, 2, null, null, -1,
                    null, null, null, null, null, null, null));
            String expected = ConnectionLog.TIMESTAMP.format(t) + " ";
            assertThat(accessLine).startsWith(expected);
            assertThat(connectionLine).startsWith(expected);
        }
    }
}
