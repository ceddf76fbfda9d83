package dev.gatehouse.server.target;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 connections of one target on one event loop, for a group of {@code protocol_version: http2}
 * or {@code grpc}: each request is one stream, multiplexed on a connection shared with the other requests
 * of the loop.
 *
 * <h2>Connections</h2>
 * A stream opens on the first connection that can take one more (the target's
 * {@code SETTINGS_MAX_CONCURRENT_STREAMS}, no GOAWAY received); when none can, a new connection is made
 * (ALPN {@code h2} over TLS, prior knowledge in clear), and requests arriving while it connects wait for
 * it. A connection without streams closes after the group's {@code timeouts.idle}.
 *
 * <h2>Streams</h2>
 * A stream is a child channel whose frames are turned into HTTP/1-style objects
 * ({@link Http2StreamFrameToHttpObjectCodec}) read by a {@link TargetConnection}, so an exchange drives
 * it exactly as it drives an HTTP/1.1 connection. Its auto-read is off: a response the client does not
 * read is not read from the stream either, which withholds the stream's window updates (flow control
 * end to end); its writability follows the target's window for the request body.
 *
 * <h2>Threading</h2>
 * The pool's event loop only, like the pool.
 */
final class Http2TargetConnections {
    /** Receive window of one stream to a target: what Gatehouse buffers of a response its client does not read. */
    static final int STREAM_WINDOW = 128 * 1024;
    /** Receive window of one connection to a target (all its streams). */
    static final int CONNECTION_WINDOW = 4 * 1024 * 1024;

    private final TargetPool pool;
    private final List<Channel> open = new ArrayList<>(2);
    private final ArrayDeque<TargetListener> waiting = new ArrayDeque<>();
    private boolean connecting;

    Http2TargetConnections(TargetPool pool) {
        this.pool = pool;
    }

    /**
     * The HTTP/2 part of a new connection's pipeline (after TLS, if any); {@code idleNanos} without a
     * frame either way close it.
     */
    static void configure(ChannelPipeline p, long idleNanos) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false).initialWindowSize(STREAM_WINDOW))
                .build();
        // Requests of many client connections reach this connection, each with its own flush: flushed
        // together by one task that the loop runs after the events it has ready, they share TLS records
        // and writes. (HTTP/2 health checks, which use this pipeline too, send one request: no effect.)
        p.addLast("h2-flush", new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        p.addLast("h2-idle", new IdleStateHandler(0, 0, idleNanos, TimeUnit.NANOSECONDS));
        p.addLast("h2-codec", codec);
        // Server push is off: a stream the target opens anyway is closed.
        p.addLast("h2-mux", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.close();
            }
        }));
        p.addLast("h2-guard", new Guard(codec));
    }

    void acquire(TargetListener listener) {
        for (Channel c : open) {
            if (canOpenStream(c)) {
                openStream(c, listener, true);
                return;
            }
        }
        waiting.add(listener);
        if (!connecting) {
            connecting = true;
            pool.connect(this::connected, this::failed);
        }
    }

    private void connected(Channel ch) {
        connecting = false;
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null && !ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            ch.close();
            TargetTlsException failure = new TargetTlsException("target TLS handshake failed: target did not "
                    + "select HTTP/2 (ALPN h2)", null);
            pool.warnTls(failure);
            pool.target().connectFailed();
            failed(failure);
            return;
        }
        if (pool.closed()) {
            ch.close();
        } else {
            open.add(ch);
            ch.closeFuture().addListener(f -> open.remove(ch));
        }
        ch.config().setAutoRead(true);
        TargetListener l;
        boolean first = true;
        while ((l = waiting.pollFirst()) != null) {
            openStream(ch, l, !first);
            first = false;
        }
    }

    private void failed(Throwable cause) {
        connecting = false;
        TargetListener l;
        while ((l = waiting.pollFirst()) != null) {
            l.targetConnectFailed(pool.target(), cause);
        }
    }

    private static boolean canOpenStream(Channel c) {
        if (!c.isActive()) {
            return false;
        }
        Http2FrameCodec codec = c.pipeline().get(Http2FrameCodec.class);
        return codec != null && !codec.connection().goAwayReceived() && codec.connection().local().canOpenStream();
    }

    private void openStream(Channel connection, TargetListener listener, boolean reused) {
        openStream(connection, new Http2StreamFrameToHttpObjectCodec(false), new TargetConnection(pool, true))
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (f.isSuccess()) {
                        TargetConnection c = f.getNow().pipeline().get(TargetConnection.class);
                        c.attach(listener, reused);
                        listener.targetConnected(c);
                    } else {
                        listener.targetConnectFailed(pool.target(), f.cause());
                    }
                });
    }

    /**
     * Opens a stream on {@code connection} (auto-read off) whose pipeline is {@code codec} and {@code last}:
     * the codec that turns its frames into HTTP/1-style objects, and what reads them.
     */
    static Future<Http2StreamChannel> openStream(Channel connection, ChannelHandler codec, ChannelHandler last) {
        return new Http2StreamChannelBootstrap(connection)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast("h2-http", codec);
                        stream.pipeline().addLast("target", last);
                    }
                })
                .open();
    }

    void close() {
        for (Channel c : List.copyOf(open)) {
            c.close();
        }
        open.clear();
    }

    /**
     * Connection-level duties of a connection to a target: opens its flow-control window (streams keep
     * their own, smaller windows), closes it when idle without streams, and closes it on a connection error.
     */
    private static final class Guard extends ChannelDuplexHandler {
        private final Http2FrameCodec codec;

        Guard(Http2FrameCodec codec) {
            this.codec = codec;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // The codec sent its preface on channelActive, before this handler hears of it.
            try {
                Http2Windows.openConnectionWindow(codec, CONNECTION_WINDOW);
                ctx.flush();
            } catch (Http2Exception e) {
                ctx.close();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                if (codec.connection().numActiveStreams() == 0) {
                    ctx.close();
                }
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
