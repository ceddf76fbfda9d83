package dev.gatehouse.server.observe;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.pki.VerdictReport;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * One listener's data points, resolved once (when its first state is built) and shared by every state and
 * connection of that listener: a handshake, a connection or a request costs an increment here, never a
 * lookup by label values. Its handshake counters (success and every failure code) exist at zero from the
 * start, so that a rate is defined before the first failure.
 *
 * <p>Thread-safe.
 */
public final class ListenerTelemetry {
    private static final FailureCode[] CODES = FailureCode.values();

    private final String name;
    private final Telemetry telemetry;
    private final CounterDataPoint handshakeSucceeded;
    private final CounterDataPoint[] handshakeFailed = new CounterDataPoint[CODES.length];
    private final DistributionDataPoint handshakeDuration;
    private final DistributionDataPoint requestDuration;
    private final GaugeDataPoint connectionsOpen;

    ListenerTelemetry(String name, boolean tls, Telemetry telemetry) {
        this.name = name;
        this.telemetry = telemetry;
        this.handshakeSucceeded = tls ? telemetry.handshake(name, null) : null;
        if (tls) {
            for (FailureCode c : CODES) {
                handshakeFailed[c.ordinal()] = telemetry.handshake(name, c);
            }
        }
        this.handshakeDuration = tls ? telemetry.handshakeDuration(name) : null;
        this.requestDuration = telemetry.requestDuration(name);
        this.connectionsOpen = telemetry.connectionsOpen(name);
    }

    public String name() {
        return name;
    }

    /** The gateway's telemetry this listener reports to. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /**
     * A TLS handshake ended.
     *
     * @param failure      {@code null} on success, else the connection log's failure code (e.g.
     *                     {@code ClientCertUntrusted})
     * @param latencyNanos from accept to the handshake's end; {@code < 0} when it did not complete
     */
    public void handshakeEnded(String failure, long latencyNanos) {
        if (failure == null) {
            if (handshakeSucceeded != null) {
                handshakeSucceeded.inc();
            }
            if (handshakeDuration != null && latencyNanos >= 0) {
                handshakeDuration.observe(latencyNanos / 1e9);
            }
            return;
        }
        FailureCode code = FailureCode.UNMAPPED_CONNECTION_ERROR;
        for (FailureCode c : CODES) {
            if (c.logName().equals(failure)) {
                code = c;
                break;
            }
        }
        CounterDataPoint p = handshakeFailed[code.ordinal()];
        (p != null ? p : telemetry.handshake(name, code)).inc();
    }

    /**
     * A handshake was refused: recorded with the verifier's failing step and explanation (as
     * {@code gatehouse verify} words them) and the leaf's names.
     *
     * @param client  the client's address
     * @param code    the failure code
     * @param verdict the verifier's verdict, or {@code null} (no certificate, or a failure before judging)
     * @param leaf    the presented leaf, or {@code null}
     * @return the explanation recorded (for the connection log's JSON line)
     */
    public String handshakeRejected(InetSocketAddress client, String code, Verdict verdict, X509Certificate leaf) {
        Verdict.Step step = verdict == null ? null : VerdictReport.failingStep(verdict);
        String explanation = verdict != null && !verdict.isSuccess() ? verdict.explanation() : explain(code);
        telemetry.rejections().add(new Rejections.Rejection(Instant.now(), "handshake", name, address(client), code,
                step == null ? null : VerdictReport.stepLine(step), explanation,
                leaf == null ? null : CertificateNames.subject(leaf), leaf == null ? null : CertificateNames.issuer(leaf),
                leaf == null ? null : CertificateNames.serialHex(leaf)));
        return explanation;
    }

    /** Why a handshake failed when the verifier did not judge it. */
    private static String explain(String code) {
        if (FailureCode.CLIENT_CERT_MISSING.logName().equals(code)) {
            return "the client presented no certificate, and this listener requires one (mode verify)";
        }
        if (FailureCode.CLIENT_CERT_INCOMPATIBLE.logName().equals(code)) {
            return "the client's certificate cannot be used with the negotiated TLS parameters";
        }
        return "the TLS handshake did not complete (a protocol error, a timeout, or the client closed the"
                + " connection)";
    }

    /** A request was refused by a {@code deny} action. */
    public void requestDenied(InetSocketAddress client, ClientIdentity identity, String rule, String method,
                              String path, String reason) {
        telemetry.rejections().add(new Rejections.Rejection(Instant.now(), "request", name, address(client),
                "RequestDenied", null, method + " " + path + ": " + reason + " (rule " + rule + ")",
                identity == null ? null : identity.subject(), identity == null ? null : identity.issuer(),
                identity == null ? null : identity.serialNumber()));
    }

    private static String address(InetSocketAddress a) {
        return a == null ? null : a.getAddress() == null ? a.getHostString() + ":" + a.getPort()
                : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** A client connection was accepted. */
    public void connectionOpened() {
        connectionsOpen.inc();
    }

    /** A client connection closed. */
    public void connectionClosed() {
        connectionsOpen.dec();
    }

    /** A request ended after {@code nanos}. */
    void requestEnded(long nanos) {
        requestDuration.observe(Math.max(0, nanos) / 1e9);
    }

    CounterDataPoint request(String rule, String targetGroup, int status) {
        return telemetry.request(name, rule, targetGroup, status);
    }
}
