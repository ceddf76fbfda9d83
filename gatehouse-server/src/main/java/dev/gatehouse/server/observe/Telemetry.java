package dev.gatehouse.server.observe;

import dev.gatehouse.pki.FailureCode;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one gateway tells its operators, beside its logs: the Prometheus metrics its data path updates
 * (handshakes, requests, open connections, dropped log lines), the ring of recent {@link Rejections}, and its
 * {@link Readiness}. One per gateway process; it outlives reloads, so counters keep counting across them.
 *
 * <h2>Cost on the data path</h2>
 * Every label combination a connection or request can hit is resolved to its data point ahead of time: per
 * listener when its state is built ({@link #listener}), and per rule, target group and status in the small
 * table of {@link RequestCounters}. Handling a connection or a request adds an increment and, for durations,
 * a histogram observation: no string is built, no map is searched with a new key.
 *
 * <p>Metrics about state (certificates, CRLs, target health, reloads) are not kept here: the admin listener
 * computes them from the live runtime state when it is scraped.
 *
 * <p>Thread-safe.
 */
public final class Telemetry {
    /** Handshake and request durations, seconds: from 1 ms to 10 s. */
    private static final double[] DURATION_BUCKETS = {
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter handshakes;
    private final Histogram handshakeDuration;
    private final Counter requests;
    private final Histogram requestDuration;
    private final Gauge connectionsOpen;
    private final Counter logLinesDropped;
    private final CounterDataPoint[] droppedByLog = new CounterDataPoint[2];
    private final Map<String, ListenerTelemetry> listeners = new ConcurrentHashMap<>();
    private final Rejections rejections = new Rejections(Rejections.CAPACITY);
    private volatile Readiness readiness = Readiness.STARTING;

    public Telemetry() {
        handshakes = Counter.builder().withoutExemplars().name("gatehouse_tls_handshakes_total")
                .help("TLS handshakes by listener, result (success or failure) and failure code (none on success)")
                .labelNames("listener", "result", "code").register(registry);
        handshakeDuration = Histogram.builder().withoutExemplars().name("gatehouse_tls_handshake_duration_seconds")
                .help("Duration of successful TLS handshakes, from accept to the handshake's end")
                .labelNames("listener").classicOnly().classicUpperBounds(DURATION_BUCKETS).register(registry);
        requests = Counter.builder().withoutExemplars().name("gatehouse_requests_total")
                .help("Requests by listener, rule, target group (- when not forwarded) and response status")
                .labelNames("listener", "rule", "target_group", "status").register(registry);
        requestDuration = Histogram.builder().withoutExemplars().name("gatehouse_request_duration_seconds")
                .help("Duration of requests, from the request head to the end of the response")
                .labelNames("listener").classicOnly().classicUpperBounds(DURATION_BUCKETS).register(registry);
        connectionsOpen = Gauge.builder().name("gatehouse_connections_open")
                .help("Client connections open now, by listener").labelNames("listener").register(registry);
        logLinesDropped = Counter.builder().withoutExemplars().name("gatehouse_log_lines_dropped_total")
                .help("Log lines dropped because the log's writer fell behind, by log (connection, access)")
                .labelNames("log").register(registry);
        droppedByLog[0] = logLinesDropped.labelValues("connection");
        droppedByLog[1] = logLinesDropped.labelValues("access");
        JvmMetrics.builder().register(registry);
    }

    /** Where every metric of this gateway is registered: the admin listener scrapes it and adds its own. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** The recent rejections. */
    public Rejections rejections() {
        return rejections;
    }

    public Readiness readiness() {
        return readiness;
    }

    public void readiness(Readiness value) {
        readiness = value;
    }

    /**
     * The prepared data points of listener {@code name} (the same object for the same name, across
     * reloads): called when a state is built, never per connection. Its counters exist at zero from now on.
     */
    public ListenerTelemetry listener(String name, boolean tls) {
        return listeners.computeIfAbsent(name, n -> new ListenerTelemetry(n, tls, this));
    }

    /** A log line was dropped ({@code access}: the access log, else the connection log). */
    void logLineDropped(boolean access) {
        droppedByLog[access ? 1 : 0].inc();
    }

    CounterDataPoint handshake(String listener, FailureCode failure) {
        return failure == null ? handshakes.labelValues(listener, "success", "none")
                : handshakes.labelValues(listener, "failure", failure.logName());
    }

    DistributionDataPoint handshakeDuration(String listener) {
        return handshakeDuration.labelValues(listener);
    }

    CounterDataPoint request(String listener, String rule, String targetGroup, int status) {
        return requests.labelValues(listener, rule == null ? "-" : rule, targetGroup == null ? "-" : targetGroup,
                status <= 0 ? "-" : Integer.toString(status));
    }

    DistributionDataPoint requestDuration(String listener) {
        return requestDuration.labelValues(listener);
    }

    GaugeDataPoint connectionsOpen(String listener) {
        return connectionsOpen.labelValues(listener);
    }
}
