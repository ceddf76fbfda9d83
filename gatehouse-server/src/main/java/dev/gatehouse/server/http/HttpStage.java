package dev.gatehouse.server.http;

import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.listener.ConnectionInfo;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.channel.ChannelPipeline;

/**
 * The HTTP stage of one listener, built once per runtime state: decodes requests, strips spoofable
 * headers, routes, forwards to targets and streams responses back, writes the access log.
 *
 * <p>PLACEHOLDER: the real implementation replaces this class; the listener stage calls only the
 * factory and the two {@code configure} methods.
 */
public final class HttpStage {
    private HttpStage() {}

    /**
     * @param config    the whole configuration (identity header names of every listener are stripped)
     * @param listener  the listener this stage serves
     * @param groups    the target groups of the runtime state
     * @param accessLog where access-log lines go, or {@code null} for none
     */
    public static HttpStage create(GatewayConfig config, ListenerConfig listener, TargetGroups groups, LogFile accessLog) {
        return new HttpStage();
    }

    /** Installs HTTP/1.1 handling on a connection ready for HTTP (after TLS, or at accept). */
    public void configureHttp1(ChannelPipeline pipeline, ConnectionInfo connection) {
        throw new UnsupportedOperationException("HTTP stage not built yet");
    }

    /** Installs HTTP/2 handling on a TLS connection that negotiated {@code h2}. */
    public void configureHttp2(ChannelPipeline pipeline, ConnectionInfo connection) {
        throw new UnsupportedOperationException("HTTP stage not built yet");
    }

    /** Graceful stop: HTTP/1.1 responses get {@code Connection: close}, idle connections close, HTTP/2 gets GOAWAY. */
    public void drain() {}

    /** Requests of this stage not finished yet. */
    public int inFlight() {
        return 0;
    }
}
