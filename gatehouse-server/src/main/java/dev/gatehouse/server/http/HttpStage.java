package dev.gatehouse.server.http;

import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.LogsConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.headers.ForwardedHeaders;
import dev.gatehouse.server.headers.SpoofableHeaders;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.observe.ListenerTelemetry;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.routing.Router;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP stage of one listener, built once per runtime state: decodes requests (HTTP/1.1 or HTTP/2),
 * strips spoofable and hop-by-hop headers, routes, forwards to targets over pooled HTTP/1.1 connections
 * and streams responses back, writes the access log.
 *
 * <h2>What the listener stage calls</h2>
 * <ul>
 *   <li>{@link #create} once per listener and runtime state (off the event loop);</li>
 *   <li>{@link #configureHttp1} on a connection ready for HTTP/1.1 (after TLS, or at accept for plain
 *       http), {@link #configureHttp2} when ALPN chose {@code h2} (or for h2c with prior knowledge). Both
 *       append to the pipeline and turn the channel's auto-read off (HTTP/1.1) or on (HTTP/2: the
 *       streams' own auto-read is off, which is what withholds their window updates);</li>
 *   <li>on a graceful stop: {@link #drain()}, then wait until {@link #inFlight()} is 0 (or the
 *       configured {@code shutdown_timeout} passed), then close the remaining connections.</li>
 * </ul>
 *
 * <h2>Pipelines</h2>
 * HTTP/1.1: {@code http-timeouts} ({@link ClientTimeouts}) → {@code http-codec} ({@link HttpServerCodec},
 * 16 KiB request line, 64 KiB head) → {@code http-body-timeout} ({@link RequestBodyTimeout}) →
 * {@code http-proxy} ({@link ProxyHandler}).
 * HTTP/2: {@code h2-idle} → {@code h2-codec} ({@link Http2FrameCodec} with {@link Http2Limits}: the
 * listener's {@code http2.max_concurrent_streams}, 431 for oversize header blocks, ENHANCE_YOUR_CALM for
 * floods) → {@code h2-mux} ({@link Http2MultiplexHandler}) → {@code h2-guard} ({@link Http2ConnectionGuard},
 * which also closes the stream channels still open when the connection ends); each stream:
 * {@link Http2StreamFrameToHttpObjectCodec} → {@link RequestBodyTimeout} → {@link ProxyHandler}. The same
 * proxy handler serves both.
 *
 * <h2>Threading</h2>
 * Thread-safe. Per-request work happens on the client channel's event loop; the target connection uses
 * the same loop. {@link #drain()} and {@link #inFlight()} may be called from any thread.
 */
public final class HttpStage {
    /** Receive window of one HTTP/2 stream: what a stream may buffer before its reader catches up. */
    public static final int STREAM_WINDOW = 128 * 1024;
    /** Receive window of one HTTP/2 connection (all streams). */
    public static final int CONNECTION_WINDOW = 4 * 1024 * 1024;
    /** Longest request line (414 beyond) and longest header line (431 beyond). */
    public static final int MAX_LINE = 16 * 1024;
    /** Longest request head: request line and headers (431 beyond). */
    public static final int MAX_HEAD = 64 * 1024;
    static final int MAX_CHUNK = 64 * 1024;

    /** User event fired on every connection by {@link #drain()}. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    /** User event fired on a proxy handler by {@link RequestBodyTimeout}: the request body stopped arriving. */
    static final Object REQUEST_BODY_TIMEOUT = new Object() {
        @Override
        public String toString() {
            return "REQUEST_BODY_TIMEOUT";
        }
    };

    /**
     * On a client connection (the TLS or TCP channel, not an HTTP/2 stream): why it must close after the
     * responses in flight, set by {@link #closeGracefully}; or {@link #STOPPED}, set by {@link #closeAtStop}.
     */
    private static final AttributeKey<String> CLOSE_REASON = AttributeKey.valueOf(HttpStage.class, "closeReason");

    private final ListenerConfig listener;
    private final SpoofableHeaders spoofable;
    private final Router router;
    private final AccessLog accessLog;
    private final ListenerTelemetry telemetry;
    private final long idleNanos;
    private final long headNanos;
    private final long bodyNanos;
    private final long tunnelIdleNanos;
    private final int maxConcurrentStreams;
    private final long shutdownMillis;
    private final LongAdder inFlight = new LongAdder();
    private final ChannelGroup connections;
    private volatile boolean draining;
    private volatile boolean retired;

    private HttpStage(GatewayConfig config, ListenerConfig listener, TargetGroups groups, LogFile accessLog,
                      ListenerTelemetry telemetry) {
        this.listener = listener;
        this.telemetry = telemetry;
        this.spoofable = SpoofableHeaders.of(config);
        this.router = Router.build(listener, groups);
        this.accessLog = new AccessLog(accessLog, listener.name(),
                config.logs().format() == LogsConfig.LogFormat.JSON, telemetry);
        this.idleNanos = listener.timeouts().idle().toNanos();
        this.headNanos = listener.timeouts().requestHead().toNanos();
        this.bodyNanos = listener.timeouts().requestBody().toNanos();
        this.tunnelIdleNanos = listener.timeouts().tunnelIdle().toNanos();
        this.maxConcurrentStreams = listener.http2().maxConcurrentStreams();
        this.shutdownMillis = config.shutdownTimeout().toMillis();
        this.connections = new DefaultChannelGroup("http-" + listener.name(), GlobalEventExecutor.INSTANCE);
    }

    /**
     * @param config    the whole configuration (identity header names of every listener are stripped)
     * @param listener  the listener this stage serves
     * @param groups    the target groups of the runtime state
     * @param accessLog where access-log lines go, or {@code null} for none
     */
    public static HttpStage create(GatewayConfig config, ListenerConfig listener, TargetGroups groups, LogFile accessLog) {
        return new HttpStage(config, listener, groups, accessLog, null);
    }

    /**
     * A stage whose requests are counted and whose denials are recorded in {@code telemetry} (the gateway's).
     */
    public static HttpStage create(GatewayConfig config, ListenerConfig listener, TargetGroups groups, LogFile accessLog,
                                   ListenerTelemetry telemetry) {
        return new HttpStage(config, listener, groups, accessLog, telemetry);
    }

    /** The listener's telemetry, or {@code null} when nothing is measured (stages built for tests). */
    ListenerTelemetry telemetry() {
        return telemetry;
    }

    /** Installs HTTP/1.1 handling on a connection ready for HTTP (after TLS, or at accept). */
    public void configureHttp1(ChannelPipeline pipeline, ConnectionInfo connection) {
        Channel ch = pipeline.channel();
        ch.config().setAutoRead(false);
        connections.add(ch);
        pipeline.addLast("http-timeouts", new ClientTimeouts(idleNanos, headNanos));
        pipeline.addLast("http-codec", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE)
                .setMaxHeaderSize(MAX_HEAD)
                .setMaxChunkSize(MAX_CHUNK)));
        pipeline.addLast("http-body-timeout", new RequestBodyTimeout(bodyNanos));
        pipeline.addLast("http-proxy", new ProxyHandler(this, connection, new ForwardedHeaders(connection), false));
        if (draining) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DRAIN));
        }
    }

    /** Installs HTTP/2 handling on a TLS connection that negotiated {@code h2} (or h2c with prior knowledge). */
    public void configureHttp2(ChannelPipeline pipeline, ConnectionInfo connection) {
        Channel ch = pipeline.channel();
        ch.config().setAutoRead(true);
        connections.add(ch);
        Http2FrameCodec codec = Http2Limits.serverCodec(maxConcurrentStreams, STREAM_WINDOW, MAX_HEAD, shutdownMillis);
        ForwardedHeaders forwarded = new ForwardedHeaders(connection);
        LingeringClose.addTo(pipeline);
        // Responses of many streams reach the connection from as many target connections, each with its
        // own flush: one TLS record and one write per response. Flushed together by one task that the
        // loop runs after the events it has ready, they share records and writes (HTTP/2 keep-alive,
        // bench/README.md).
        pipeline.addLast("h2-flush", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        pipeline.addLast("h2-idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
        pipeline.addLast("h2-codec", codec);
        Http2ConnectionGuard guard = new Http2ConnectionGuard(codec, CONNECTION_WINDOW);
        pipeline.addLast("h2-mux", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                guard.streamOpened(stream);
                stream.config().setAutoRead(false);
                stream.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast("http-body-timeout", new RequestBodyTimeout(bodyNanos));
                stream.pipeline().addLast("http-proxy", new ProxyHandler(HttpStage.this, connection, forwarded, true));
            }
        }));
        pipeline.addLast("h2-guard", guard);
        if (draining) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DRAIN));
        }
    }

    /**
     * Starts a graceful stop of this stage's connections: from now on HTTP/1.1 responses carry
     * {@code Connection: close} and their connection closes after them, idle HTTP/1.1 connections close
     * now, HTTP/2 connections get GOAWAY (streams already open finish; the connection closes when they
     * have, or after {@code shutdown_timeout}). Requests in flight are not interrupted: wait for
     * {@link #inFlight()} to reach 0. Idempotent; any thread.
     */
    public void drain() {
        draining = true;
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DRAIN));
        }
    }

    /**
     * Closes one client connection gracefully, as {@link #drain()} does for all of them: HTTP/1.1 after the
     * response in flight (which says {@code Connection: close}), at once if none is; HTTP/2 with GOAWAY,
     * letting open streams finish. The access-log lines of the requests that end meanwhile carry
     * {@code reason} (first call wins). Any thread.
     *
     * @param connection a client connection handed to {@link #configureHttp1} or {@link #configureHttp2}
     */
    public static void closeGracefully(Channel connection, String reason) {
        connection.eventLoop().execute(() -> {
            if (connection.attr(CLOSE_REASON).setIfAbsent(reason) == null) {
                connection.pipeline().fireUserEventTriggered(DRAIN);
            }
        });
    }

    /** The close reason of connections closed by {@link #closeAtStop}. */
    public static final String STOPPED = "gateway stopped";

    /**
     * Closes one client connection when the gateway stops, after its grace period: politely
     * ({@link Channel#close()}: HTTP/2 GOAWAY, which waits for open streams; TLS close_notify) or at once,
     * without either, so that its handlers see it end now. The access-log lines of the requests it cuts off
     * say {@code connection closed: gateway stopped}, whatever reason an earlier graceful close gave. Any
     * thread.
     */
    public static void closeAtStop(Channel connection, boolean atOnce) {
        connection.eventLoop().execute(() -> {
            connection.attr(CLOSE_REASON).set(STOPPED);
            if (atOnce) {
                connection.unsafe().close(connection.unsafe().voidPromise());
            } else {
                connection.close();
            }
        });
    }

    /**
     * Holds why {@code connection} is closing, or {@code null} while it is not (see {@link #closeGracefully}
     * and {@link #closeAtStop}): the same instance for every caller, so a handler may keep it.
     */
    static Attribute<String> closeReasonOf(Channel connection) {
        return connection.attr(CLOSE_REASON);
    }

    /**
     * A reload replaced the state this stage belongs to: from now on each HTTP/1.1 connection closes after
     * its next response (which says {@code Connection: close}, and whose access-log reason is
     * {@code connection closed: configuration reloaded}), so that its client reconnects to the new
     * configuration. Nothing is closed while idle (a client may be sending a request at that moment), and
     * HTTP/2 connections are left to end by themselves (a GOAWAY fails the streams in flight with some
     * clients). Idempotent; any thread.
     */
    public void retire() {
        retired = true;
    }

    /** Whether {@link #retire()} was called. */
    boolean retired() {
        return retired;
    }

    /** Whether {@link #drain()} was called. */
    public boolean draining() {
        return draining;
    }

    /** The connections of this stage still open (HTTP/1.1, and HTTP/2 connections with their streams). */
    public int openConnections() {
        return connections.size();
    }

    /** Closes every connection of this stage now, whatever it is doing. Any thread. */
    public void closeConnections() {
        connections.close();
    }

    /**
     * Requests of this stage received and not finished yet (response fully written, or the exchange
     * abandoned). Any thread; cheap enough to poll every few milliseconds during a stop.
     */
    public int inFlight() {
        return (int) inFlight.sum();
    }

    /** {@code timeouts.tunnel_idle} of the listener. */
    long tunnelIdleNanos() {
        return tunnelIdleNanos;
    }

    SpoofableHeaders spoofable() {
        return spoofable;
    }

    Router router() {
        return router;
    }

    AccessLog accessLog() {
        return accessLog;
    }

    void requestStarted() {
        inFlight.increment();
    }

    void requestFinished() {
        inFlight.decrement();
    }
}
