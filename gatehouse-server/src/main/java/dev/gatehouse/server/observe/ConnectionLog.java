package dev.gatehouse.server.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * The connection log: one line per client connection, fields separated by one space, in this order
 * (README, "Connection log"; the form of each field: docs/mutual-tls.md, "Connection-log fields"):
 * <pre>
 * timestamp client_ip client_port listener_port tls_protocol tls_cipher tls_handshake_latency
 * leaf_client_cert_subject leaf_client_cert_validity leaf_client_cert_serial_number tls_verify_status
 * conn_trace_id tls_keyexchange gateway listener_address
 * </pre>
 * {@code -} stands for any field that does not apply. The subject is quoted as every quoted field of
 * the access log is ({@link LogQuoting}).
 */
public final class ConnectionLog {
    /** ISO 8601 UTC with microseconds: {@code 2023-10-04T17:05:15.514108Z}. */
    public static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.MICRO_OF_SECOND, 6, 6, true)
            .appendLiteral('Z')
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    private final LogFile file;
    private final String gateway;
    private final boolean json;
    private final Telemetry telemetry;
    private final LogTime time = new LogTime();

    /** @param file where lines go, or {@code null} to write none */
    public ConnectionLog(LogFile file, String gateway) {
        this(file, gateway, false, null);
    }

    /**
     * @param file      where lines go, or {@code null} to write none
     * @param json      JSON objects instead of text lines ({@code logs.format: json})
     * @param telemetry where dropped lines are counted, or {@code null}
     */
    public ConnectionLog(LogFile file, String gateway, boolean json, Telemetry telemetry) {
        this.file = file;
        this.gateway = field(gateway);
        this.json = json;
        this.telemetry = telemetry;
    }

    /**
     * One connection's facts, as the listener stage knows them when the handshake has ended.
     *
     * @param explanation why a failed handshake failed (the verifier's words), or {@code null}; JSON lines only
     */
    public record Entry(Instant time, String clientIp, int clientPort, int listenerPort, String tlsProtocol,
                        String tlsCipher, long handshakeNanos, String leafSubject, String leafValidity,
                        String leafSerial, String verifyStatus, String traceId, String keyExchange,
                        String listenerAddress, String explanation) {

        /** Facts without an explanation. */
        public Entry(Instant time, String clientIp, int clientPort, int listenerPort, String tlsProtocol,
                     String tlsCipher, long handshakeNanos, String leafSubject, String leafValidity,
                     String leafSerial, String verifyStatus, String traceId, String keyExchange,
                     String listenerAddress) {
            this(time, clientIp, clientPort, listenerPort, tlsProtocol, tlsCipher, handshakeNanos, leafSubject,
                    leafValidity, leafSerial, verifyStatus, traceId, keyExchange, listenerAddress, null);
        }

        /**
         * A connection whose TLS Gatehouse does not see: a plain-http one, one refused before TLS (PROXY
         * protocol), one relayed by a {@code tls_passthrough} listener. Every TLS field is {@code -}.
         *
         * @param client       the client's address, or {@code null} if unknown
         * @param listenerPort the port the connection arrived on
         * @param verifyStatus {@code -}, or {@code Failed:<code>}
         * @param explanation  why it failed, in words, or {@code null}
         */
        public static Entry withoutTls(java.net.InetSocketAddress client, int listenerPort, String verifyStatus,
                                       String traceId, String listenerAddress, String explanation) {
            return new Entry(Instant.now(), client == null || client.getAddress() == null ? null
                    : client.getAddress().getHostAddress(), client == null ? 0 : client.getPort(), listenerPort,
                    null, null, -1, null, null, null, verifyStatus, traceId, null, listenerAddress, explanation);
        }
    }

    public void write(Entry e) {
        if (file != null && !file.append(json ? json(e) : format(e)) && telemetry != null) {
            telemetry.logLineDropped(false);
        }
    }

    /**
     * The JSON line of {@code e}: the text line's fields under their names, {@code null} where the text has
     * {@code -}, numbers as numbers, plus {@code explanation} on a failed handshake.
     */
    public String json(Entry e) {
        StringBuilder sb = new StringBuilder(384).append("{\"timestamp\":\"");
        time.append(sb, LogTime.micros(e.time()));
        sb.append('"');
        JsonLine.field(sb, "client_ip", e.clientIp());
        JsonLine.number(sb, "client_port", e.clientPort());
        JsonLine.number(sb, "listener_port", e.listenerPort());
        JsonLine.field(sb, "tls_protocol", e.tlsProtocol());
        JsonLine.field(sb, "tls_cipher", e.tlsCipher());
        sb.append(",\"tls_handshake_latency\":").append(e.handshakeNanos() < 0 ? "null" : latency(e.handshakeNanos()));
        JsonLine.field(sb, "leaf_client_cert_subject", e.leafSubject());
        JsonLine.field(sb, "leaf_client_cert_validity", e.leafValidity());
        JsonLine.field(sb, "leaf_client_cert_serial_number", e.leafSerial());
        JsonLine.field(sb, "tls_verify_status", e.verifyStatus());
        JsonLine.field(sb, "conn_trace_id", e.traceId());
        JsonLine.field(sb, "tls_keyexchange", e.keyExchange());
        JsonLine.field(sb, "gateway", "-".equals(gateway) ? null : gateway);
        JsonLine.field(sb, "listener_address", e.listenerAddress());
        if (e.explanation() != null) {
            JsonLine.field(sb, "explanation", e.explanation());
        }
        return sb.append('}').toString();
    }

    public String format(Entry e) {
        // The fields go through one loop rather than one append call each: the compiled method stays small
        // (unrolled, it was the largest of the gateway's JIT compilations, recompiled whenever handshakes
        // began failing or ending early).
        String[] fields = {
                field(e.clientIp()), Integer.toString(e.clientPort()), Integer.toString(e.listenerPort()),
                field(e.tlsProtocol()), field(e.tlsCipher()), latency(e.handshakeNanos()),
                LogQuoting.quoted(e.leafSubject()),
                field(e.leafValidity()), field(e.leafSerial()), field(e.verifyStatus()), field(e.traceId()),
                field(e.keyExchange()), gateway, field(e.listenerAddress())};
        StringBuilder sb = new StringBuilder(256);
        time.append(sb, LogTime.micros(e.time()));
        for (String f : fields) {
            sb.append(' ').append(f);
        }
        return sb.toString();
    }

    /** Seconds with three decimals ({@code 0.023}), {@code -} when the handshake did not complete. */
    private static String latency(long nanos) {
        if (nanos < 0) {
            return "-";
        }
        long millis = Math.round(nanos / 1_000_000.0);
        long frac = millis % 1000;
        return (millis / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
    }

    /** A field that may not contain spaces: {@code -} when absent, spaces replaced otherwise. */
    private static String field(String s) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        return s.indexOf(' ') >= 0 ? s.replace(' ', '_') : s;
    }
}
