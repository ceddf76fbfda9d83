package dev.gatehouse.server.observe;

import java.time.Instant;

/**
 * The access log of one listener: one line per request, handed to a {@link LogFile} (never written from
 * the event loop). The line format is documented in {@code docs/access-log.md}:
 *
 * <pre>
 * time trace_id client listener protocol method "host" "path" status bytes_received bytes_sent rule target
 * total_seconds target_seconds "client_subject" "reason"
 * </pre>
 *
 * <h2>Threading</h2>
 * Thread-safe: {@link #write} formats on the calling thread (an event loop) into a string and queues it.
 * An {@link Entry} is owned by one exchange handler and reused for its requests.
 */
public final class AccessLog {
    private final LogFile file;
    private final String listener;
    private final boolean json;
    private final ListenerTelemetry telemetry;
    private final RequestCounters requests;
    private final LogTime time = new LogTime();

    /** @param file where lines go, or {@code null} for none */
    public AccessLog(LogFile file, String listenerName) {
        this(file, listenerName, false, null);
    }

    /**
     * @param file      where lines go, or {@code null} for none
     * @param json      JSON objects instead of text lines ({@code logs.format: json})
     * @param telemetry the listener's metrics, derived from the same finished entry as the line; or {@code null}
     */
    public AccessLog(LogFile file, String listenerName, boolean json, ListenerTelemetry telemetry) {
        this.file = file;
        this.listener = listenerName;
        this.json = json;
        this.telemetry = telemetry;
        this.requests = telemetry == null ? null : new RequestCounters(telemetry);
    }

    /** Counts the finished request of {@code e}, then formats and queues its line. */
    public void write(Entry e) {
        if (telemetry != null) {
            requests.of(e.rule, e.targetGroup, e.status).inc();
            telemetry.requestEnded(e.endNanos - e.startNanos);
        }
        if (file == null) {
            return;
        }
        if (!file.append(json ? json(e) : format(e)) && telemetry != null) {
            telemetry.telemetry().logLineDropped(true);
        }
    }

    /** The JSON line of {@code e}: the text line's fields under their names ({@code null} where it has {@code -}). */
    public String json(Entry e) {
        StringBuilder sb = e.line;
        sb.setLength(0);
        sb.append("{\"time\":\"");
        time.append(sb, e.wallMicros);
        sb.append('"');
        JsonLine.field(sb, "trace_id", e.traceId);
        JsonLine.field(sb, "client", e.client);
        JsonLine.field(sb, "listener", listener);
        JsonLine.field(sb, "protocol", e.protocol);
        JsonLine.field(sb, "method", e.method);
        JsonLine.field(sb, "host", e.host);
        JsonLine.field(sb, "path", e.path);
        sb.append(",\"status\":").append(e.status <= 0 ? "null" : Integer.toString(e.status));
        JsonLine.number(sb, "bytes_received", e.bytesReceived);
        JsonLine.number(sb, "bytes_sent", e.bytesSent);
        JsonLine.field(sb, "rule", e.rule);
        JsonLine.field(sb, "target", e.target);
        sb.append(",\"total_seconds\":");
        seconds(sb, e.endNanos - e.startNanos);
        sb.append(",\"target_seconds\":");
        if (e.targetStartNanos == 0) {
            sb.append("null");
        } else {
            seconds(sb, (e.targetEndNanos == 0 ? e.endNanos : e.targetEndNanos) - e.targetStartNanos);
        }
        JsonLine.field(sb, "client_subject", e.clientSubject);
        JsonLine.field(sb, "reason", e.reason);
        return sb.append('}').toString();
    }

    /** The line of {@code e} (without line end). */
    public String format(Entry e) {
        StringBuilder sb = e.line;
        sb.setLength(0);
        time.append(sb, e.wallMicros);
        sb.append(' ').append(e.traceId);
        sb.append(' ').append(e.client);
        sb.append(' ').append(listener);
        sb.append(' ').append(e.protocol == null ? "-" : e.protocol);
        sb.append(' ');
        token(sb, e.method);
        sb.append(' ');
        LogQuoting.quote(sb, e.host);
        sb.append(' ');
        LogQuoting.quote(sb, e.path);
        sb.append(' ').append(e.status <= 0 ? "-" : Integer.toString(e.status));
        sb.append(' ').append(e.bytesReceived);
        sb.append(' ').append(e.bytesSent);
        sb.append(' ').append(e.rule == null ? "-" : e.rule);
        sb.append(' ').append(e.target == null ? "-" : e.target);
        sb.append(' ');
        seconds(sb, e.endNanos - e.startNanos);
        sb.append(' ');
        if (e.targetStartNanos == 0) {
            sb.append('-');
        } else {
            seconds(sb, (e.targetEndNanos == 0 ? e.endNanos : e.targetEndNanos) - e.targetStartNanos);
        }
        sb.append(' ');
        LogQuoting.quote(sb, e.clientSubject);
        sb.append(' ');
        LogQuoting.quote(sb, e.reason);
        return sb.toString();
    }

    private static void token(StringBuilder sb, String s) {
        if (s == null || s.isEmpty()) {
            sb.append('-');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '"' || c == 0x7f) {
                LogQuoting.quote(sb, s);
                return;
            }
        }
        sb.append(s);
    }

    /** Seconds with microsecond precision, e.g. {@code 0.001234}. */
    static void seconds(StringBuilder sb, long nanos) {
        if (nanos < 0) {
            nanos = 0;
        }
        long micros = nanos / 1_000;
        sb.append(micros / 1_000_000).append('.');
        String frac = Long.toString(micros % 1_000_000);
        for (int i = frac.length(); i < 6; i++) {
            sb.append('0');
        }
        sb.append(frac);
    }

    /** The facts of one request, filled in by the HTTP stage as the exchange goes. */
    public static final class Entry {
        final StringBuilder line = new StringBuilder(256);

        public String traceId;
        /** {@code ip:port} of the client. */
        public String client;
        public String clientSubject;

        public long wallMicros;
        public long startNanos;
        public long endNanos;
        public long targetStartNanos;
        public long targetEndNanos;
        public String protocol;
        public String method;
        public String host;
        public String path;
        public int status;
        public long bytesReceived;
        public long bytesSent;
        public String rule;
        public String target;
        /** The target group the request was forwarded to (metrics only; not a field of the line). */
        public String targetGroup;
        public String reason;

        /** Starts a new request: the time is taken now. */
        public void start(long nowNanos) {
            Instant now = Instant.now();
            wallMicros = LogTime.micros(now);
            startNanos = nowNanos;
            endNanos = 0;
            targetStartNanos = 0;
            targetEndNanos = 0;
            protocol = null;
            method = null;
            host = null;
            path = null;
            status = 0;
            bytesReceived = 0;
            bytesSent = 0;
            rule = null;
            target = null;
            targetGroup = null;
            reason = null;
        }
    }
}
