package dev.gatehouse.server.config;

import java.time.Duration;

/**
 * Client-side timeouts of a listener (YAML {@code timeouts:} on a listener; every key optional).
 *
 * @param idle         {@code idle}: a client connection with no request in flight and no byte received
 *                     for this long is closed (default 60s)
 * @param requestHead  {@code request_head}: the whole request line and headers must arrive within this
 *                     long of the first byte (default 10s); also bounds the TLS handshake
 */
public record ListenerTimeouts(Duration idle, Duration requestHead) {
    public static final ListenerTimeouts DEFAULTS = new ListenerTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(10));
}
