package dev.gatehouse.server.config;

import java.time.Duration;

/**
 * Client-side timeouts of a listener (YAML {@code timeouts:} on a listener; every key optional).
 *
 * @param idle         {@code idle}: a client connection with no request in flight and no byte received
 *                     for this long is closed (default 60s)
 * @param requestHead  {@code request_head}: the whole request line and headers must arrive within this
 *                     long of the first byte (default 10s); also bounds the TLS handshake
 * @param requestBody  {@code request_body}: a request body that stops arriving for this long (no byte of
 *                     it since the head or the previous chunk) ends the request: 408 and close on
 *                     HTTP/1.1, RST_STREAM on HTTP/2 (default 60s)
 * @param tunnelIdle   {@code tunnel_idle}: a WebSocket tunnel with no byte in either direction for this
 *                     long is closed (default 1h)
 */
public record ListenerTimeouts(Duration idle, Duration requestHead, Duration requestBody, Duration tunnelIdle) {
    public static final Duration DEFAULT_REQUEST_BODY = Duration.ofSeconds(60);
    public static final Duration DEFAULT_TUNNEL_IDLE = Duration.ofHours(1);
    public static final ListenerTimeouts DEFAULTS = new ListenerTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(10),
            DEFAULT_REQUEST_BODY, DEFAULT_TUNNEL_IDLE);

    /** Idle, request-head and request-body timeouts, with the default tunnel idle timeout. */
    public ListenerTimeouts(Duration idle, Duration requestHead, Duration requestBody) {
        this(idle, requestHead, requestBody, DEFAULT_TUNNEL_IDLE);
    }

    /** Idle and request-head timeouts, with the default request-body timeout. */
    public ListenerTimeouts(Duration idle, Duration requestHead) {
        this(idle, requestHead, DEFAULT_REQUEST_BODY);
    }
}
