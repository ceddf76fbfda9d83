package dev.gatehouse.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConnectionLogTest {
    private static ConnectionLog.Entry entry(Instant t) {
        return new ConnectionLog.Entry(t, "127.0.0.1", 40000, 8443, "TLSv1.3", "TLS_AES_128_GCM_SHA256", 12_400_000L,
                "CN=client one,O=Acme", "NotBefore=2026-01-01T00:00:00Z;NotAfter=2027-01-01T00:00:00Z", "0A1B",
                "Success", "TID_0123456789abcdef0123456789abcdef", "X25519", "127.0.0.1:8443");
    }

    @Test
    void timestampsMatchTheDocumentedFormatAcrossSecondsAndMicroseconds() {
        ConnectionLog log = new ConnectionLog(null, "gw-1");
        Instant base = Instant.parse("2026-11-23T05:04:59.999999Z");
        for (long nanos : new long[] {0, 1_000, 999, 5_000, 12_345_000, 123_456_789, 999_999_999, 1_000_000_000,
                1_000_001_000, 61_000_050_000L, 86_400_000_000_000L}) {
            Instant t = base.plusNanos(nanos);
            String line = log.format(entry(t));
            assertThat(line).startsWith(ConnectionLog.TIMESTAMP.format(t) + " 127.0.0.1 40000 8443 ");
        }
    }

    @Test
    void aLineHasEveryFieldInOrder() {
        String line = new ConnectionLog(null, "gw-1").format(entry(Instant.parse("2026-11-23T05:04:05.000007Z")));
        assertThat(line).isEqualTo("2026-11-23T05:04:05.000007Z 127.0.0.1 40000 8443 TLSv1.3 TLS_AES_128_GCM_SHA256 0.012"
                + " \"CN=client one,O=Acme\" NotBefore=2026-01-01T00:00:00Z;NotAfter=2027-01-01T00:00:00Z 0A1B Success"
                + " TID_0123456789abcdef0123456789abcdef X25519 gw-1 127.0.0.1:8443");
    }
}
