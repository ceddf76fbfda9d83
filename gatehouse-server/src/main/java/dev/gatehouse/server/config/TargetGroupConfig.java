package dev.gatehouse.server.config;

import java.time.Duration;
import java.util.List;

/**
 * One entry of {@code target_groups}.
 *
 * @param name          its key
 * @param protocol      {@code protocol}: http (default) or https
 * @param protocolVersion {@code protocol_version}: http1 (default), http2 or grpc
 * @param targets       {@code targets}: at least one {@code host:port}
 * @param loadBalancing {@code load_balancing}: round_robin (default) or least_outstanding_requests
 * @param healthCheck   {@code health_check}, or {@code null} for none (every target is healthy)
 * @param tls           {@code tls} for https targets, or {@code null}
 * @param timeouts      {@code timeouts}; defaults when absent
 * @param at            where the group is defined
 * @param proxyProtocol {@code proxy_protocol}: {@code v2} sends a PROXY protocol v2 header naming the client
 *                      at the start of every connection a {@code tls_passthrough} listener relays to a target;
 *                      {@code off} (default) sends none
 */
public record TargetGroupConfig(
        String name,
        TargetProtocol protocol,
        ProtocolVersion protocolVersion,
        List<TargetAddress> targets,
        LoadBalancing loadBalancing,
        HealthCheckConfig healthCheck,
        TargetTlsConfig tls,
        TargetTimeouts timeouts,
        ConfigLocation at,
        boolean proxyProtocol) {

    public TargetGroupConfig {
        targets = List.copyOf(targets);
    }

    /** A group whose targets get no PROXY protocol header. */
    public TargetGroupConfig(String name, TargetProtocol protocol, ProtocolVersion protocolVersion,
                             List<TargetAddress> targets, LoadBalancing loadBalancing, HealthCheckConfig healthCheck,
                             TargetTlsConfig tls, TargetTimeouts timeouts, ConfigLocation at) {
        this(name, protocol, protocolVersion, targets, loadBalancing, healthCheck, tls, timeouts, at, false);
    }

    /** A group of {@code protocol_version: http1}. */
    public TargetGroupConfig(String name, TargetProtocol protocol, List<TargetAddress> targets,
                             LoadBalancing loadBalancing, HealthCheckConfig healthCheck, TargetTlsConfig tls,
                             TargetTimeouts timeouts, ConfigLocation at) {
        this(name, protocol, ProtocolVersion.HTTP1, targets, loadBalancing, healthCheck, tls, timeouts, at);
    }

    public enum TargetProtocol { HTTP, HTTPS }

    /**
     * {@code protocol_version}: how requests travel to the targets. {@code HTTP1}: HTTP/1.1 on pooled
     * keep-alive connections. {@code HTTP2}: HTTP/2 (ALPN {@code h2} over TLS, prior knowledge in clear),
     * streams multiplexed on pooled connections, trailers both ways. {@code GRPC}: HTTP/2 as well, and
     * the errors Gatehouse answers itself are gRPC statuses.
     */
    public enum ProtocolVersion {
        HTTP1, HTTP2, GRPC;

        /** Whether requests travel over HTTP/2. */
        public boolean http2() {
            return this != HTTP1;
        }
    }

    public enum LoadBalancing { ROUND_ROBIN, LEAST_OUTSTANDING_REQUESTS }

    /**
     * {@code health_check}: {@code path} (default /), {@code interval} (10s), {@code timeout} (5s),
     * {@code healthy_threshold} (3), {@code unhealthy_threshold} (2), {@code success_codes} ("200-399");
     * {@code protocol} http (default), grpc: gRPC's health protocol ({@code grpc.health.v1.Health/Check}
     * of {@code service}, default "", the whole server), for http2 and grpc groups, or tcp: the connection
     * (and, on an https group, the verified TLS handshake) is the check.
     */
    public record HealthCheckConfig(String path, Duration interval, Duration timeout, int healthyThreshold,
                                    int unhealthyThreshold, StatusCodes successCodes, HealthCheckProtocol protocol,
                                    String service, ConfigLocation at) {
        public boolean grpc() {
            return protocol == HealthCheckProtocol.GRPC;
        }
    }

    /** {@code health_check.protocol}: what a check asks of a target. */
    public enum HealthCheckProtocol {
        /** {@code GET path}, a status in {@code success_codes}. */
        HTTP,
        /** gRPC's health protocol: the answer SERVING. */
        GRPC,
        /** A connection accepted within the timeout (and, on an https group, a verified TLS handshake). */
        TCP
    }

    /**
     * {@code success_codes}: status codes and ranges such as {@code 200-299,302}, read once here.
     *
     * @param text as written, spaces removed
     */
    public record StatusCodes(String text, int[] low, int[] high) {
        /**
         * @throws IllegalArgumentException naming the first part that is not a status code 100-599 or a range
         *                                  of them
         */
        public static StatusCodes parse(String text) {
            String[] parts = text.replace(" ", "").split(",", -1);
            int[] low = new int[parts.length];
            int[] high = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String[] range = parts[i].split("-", -1);
                if (range.length > 2 || !parts[i].matches("\\d{3}(-\\d{3})?")) {
                    throw new IllegalArgumentException("bad status code or range '" + parts[i] + "'");
                }
                low[i] = Integer.parseInt(range[0]);
                high[i] = Integer.parseInt(range[range.length - 1]);
                if (low[i] < 100 || high[i] > 599 || low[i] > high[i]) {
                    throw new IllegalArgumentException("bad status code or range '" + parts[i] + "'");
                }
            }
            return new StatusCodes(text.replace(" ", ""), low, high);
        }

        public boolean contains(int status) {
            for (int i = 0; i < low.length; i++) {
                if (status >= low[i] && status <= high[i]) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * {@code tls} of an https target group: {@code trust_store} (name; required), {@code server_name}
     * (default: the target's host), {@code certificate} and {@code private_key} (both or neither: the
     * client certificate Gatehouse presents).
     */
    public record TargetTlsConfig(String trustStore, String serverName, TlsConfig.CertificateKeyPair clientCertificate,
                                  ConfigLocation at) {}

    /**
     * {@code timeouts} of a target group: {@code connect} (default 5s), {@code response} (time to the
     * first byte of the response head after the request was sent; default 60s), {@code idle} (how long a
     * kept-alive connection to a target may wait unused before Gatehouse closes it; default 30s: keep it
     * below the targets' own keep-alive timeout, so that a target never closes a connection just as a
     * request goes out on it).
     */
    public record TargetTimeouts(Duration connect, Duration response, Duration idle) {
        public static final Duration DEFAULT_IDLE = Duration.ofSeconds(30);
        public static final TargetTimeouts DEFAULTS = new TargetTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(60));

        /** Connect and response timeouts, and the default idle timeout. */
        public TargetTimeouts(Duration connect, Duration response) {
            this(connect, response, DEFAULT_IDLE);
        }
    }
}
