package dev.gatehouse.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogQuotingTest {
    /** An RFC 2253 subject with an escaped comma, a double quote, a non-ASCII letter and a control character. */
    private static final String SUBJECT = "CN=Jos\u00e9 \"ops\",O=Acme\\, Inc.\u0001";
    /** That subject as docs/access-log.md documents quoted fields. */
    private static final String DOCUMENTED = "\"CN=Jos\u00e9 \\\"ops\\\",O=Acme\\\\, Inc.\\x01\"";

    @Test
    void aSubjectIsWrittenTheSameInTheAccessLogAndTheConnectionLog() {
        ConnectionLog.Entry connection = new ConnectionLog.Entry(Instant.parse("2026-11-23T05:04:05Z"), "127.0.0.1",
                40000, 8443, "TLSv1.3", "TLS_AES_128_GCM_SHA256", 1_000_000L, SUBJECT, "-", "0A1B", "Success",
                "TID_0123456789abcdef0123456789abcdef", "X25519", "127.0.0.1:8443");
        String connectionLine = new ConnectionLog(null, "gw-1").format(connection);

        AccessLog.Entry request = new AccessLog.Entry();
        request.start(System.nanoTime());
        request.traceId = "TID_0123456789abcdef0123456789abcdef";
        request.client = "127.0.0.1:40000";
        request.clientSubject = SUBJECT;
        String accessLine = new AccessLog(null, "api").format(request);

        // The subject field, then the next one: the same text in both lines.
        assertThat(accessLine).endsWith(" " + DOCUMENTED + " -");
        assertThat(connectionLine).contains(" 0.001 " + DOCUMENTED + " - 0A1B Success ");
    }

    @Test
    void controlCharactersAreUpperCaseHexAndAbsentValuesADash() {
        StringBuilder sb = new StringBuilder();
        LogQuoting.quote(sb, "a\u001b\u007fb");
        assertThat(sb).hasToString("\"a\\x1B\\x7Fb\"");
        assertThat(LogQuoting.quoted(null)).isEqualTo("-");
        assertThat(LogQuoting.quoted("")).isEqualTo("\"\"");
    }
}
