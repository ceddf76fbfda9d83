package dev.gatehouse.server.config;

/**
 * HTTP/2 settings of a listener (YAML {@code http2:} on a listener; every key optional).
 *
 * @param maxConcurrentStreams {@code max_concurrent_streams}: streams a client may have open at once on
 *                             one connection, advertised in SETTINGS; a stream over it is refused with
 *                             RST_STREAM(REFUSED_STREAM) (default 100)
 */
public record ListenerHttp2(int maxConcurrentStreams) {
    /** The largest {@code max_concurrent_streams} accepted. */
    public static final int MAX_STREAMS_LIMIT = 10_000;
    public static final ListenerHttp2 DEFAULTS = new ListenerHttp2(100);
}
