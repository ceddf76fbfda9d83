package dev.gatehouse.server.target;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslHandler;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive connections of one target on one event loop.
 *
 * <h2>Threading</h2>
 * A pool belongs to one event loop: it is only used from that loop (the client channels served there
 * use it), so it has no locks and no volatile fields. A request never hands a connection across loops.
 *
 * <h2>TLS</h2>
 * For an https group each new connection starts with a {@link TargetTls} handshake (the target's
 * certificate and name verified by the gateway's verifier); it is handed out only once the handshake
 * succeeded. A failed handshake is reported like a failed connect ({@link TargetTlsException}: none of
 * the request was sent), with the reason, and logged (at most once per target every
 * {@link #TLS_WARNING_INTERVAL_NANOS}).
 *
 * <h2>HTTP/2</h2>
 * For a group of {@code protocol_version: http2} or {@code grpc}, a request gets a new stream on one of
 * the target's HTTP/2 connections of this loop ({@link Http2TargetConnections}) instead of a connection
 * of its own.
 *
 * <h2>Idle connections</h2>
 * At most {@link #MAX_IDLE} connections are kept (when full, the one unused longest makes room); each is
 * closed once it has been unused for the group's {@code timeouts.idle} (a sweep is scheduled for when the
 * oldest one expires, while the pool holds any), or as soon as the target closes it (idle connections
 * keep a read pending, so a FIN is seen at once and the connection never reaches a request). A target
 * that closes idle connections itself sooner than that can close one just as a request goes out on it:
 * the request then fails with 502, which is why the idle timeout should be below the targets' own.
 */
public final class TargetPool {
    /**
     * Idle connections kept per target and event loop: as many as a burst used, up to this. HTTP/2 clients
     * put many requests in flight at once (each needs an HTTP/1.1 connection of its own); with a bound
     * below the burst, every burst connected anew what the last one had just closed (with 64, HTTP/2
     * keep-alive at 160 streams in flight cost 40% more CPU per request). The idle timeout returns the
     * connections a passing peak left.
     */
    public static final int MAX_IDLE = 256;

    static final long TLS_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger log = LoggerFactory.getLogger(TargetPool.class);

    static final int MAX_RESPONSE_LINE = 16 * 1024;
    static final int MAX_RESPONSE_HEAD = 64 * 1024;
    static final int MAX_CHUNK = 64 * 1024;

    private final Target target;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    /** HTTP/2 groups: the multiplexed connections; {@code null} for HTTP/1.1. */
    private final Http2TargetConnections h2;
    private final ArrayDeque<TargetConnection> idle = new ArrayDeque<>();
    /** The group's {@code timeouts.idle}. */
    private final long idleNanos;
    private ScheduledFuture<?> sweep;
    private boolean closed;

    TargetPool(Target target, EventLoop loop, int connectTimeoutMillis, TargetTls tls, boolean h2) {
        this.target = target;
        this.loop = loop;
        this.idleNanos = target.idleTimeoutNanos();
        this.h2 = h2 ? new Http2TargetConnections(this) : null;
        this.bootstrap = Target.bootstrap(loop, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), target);
                            ssl.setHandshakeTimeoutMillis(Math.max(1, connectTimeoutMillis));
                            ch.pipeline().addLast("tls", ssl);
                        }
                        if (h2) {
                            Http2TargetConnections.configure(ch.pipeline(), idleNanos);
                            return;
                        }
                        ch.pipeline().addLast("http-codec", new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(MAX_RESPONSE_LINE)
                                .setMaxHeaderSize(MAX_RESPONSE_HEAD)
                                .setMaxChunkSize(MAX_CHUNK), false, false));
                        ch.pipeline().addLast("target", new TargetConnection(TargetPool.this, false));
                    }
                });
    }

    Target target() {
        return target;
    }

    EventLoop loop() {
        return loop;
    }

    boolean closed() {
        return closed;
    }

    /**
     * Hands {@code listener} a connection: an idle one that is still open, else a new one. Must be called
     * on this pool's event loop; the listener may be called back before this method returns.
     */
    public void acquire(TargetListener listener) {
        if (target.closed()) {
            // Its pools close after it. Only a stop closes the state of a connection still open: its TLS
            // context may be released.
            listener.targetConnectFailed(target, new ClosedChannelException());
            return;
        }
        if (h2 != null) {
            h2.acquire(listener);
            return;
        }
        TargetConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.channel().isActive()) {
                c.attach(listener, true);
                listener.targetConnected(c);
                return;
            }
        }
        connect(ch -> connected(ch, listener), cause -> listener.targetConnectFailed(target, cause));
    }

    /**
     * Opens a new connection to the target, TLS handshake included, and hands it to {@code connected}; or
     * tells {@code failed} why not (the target is benched, a TLS failure logged).
     */
    void connect(Consumer<Channel> connected, Consumer<Throwable> failed) {
        ChannelFuture f = bootstrap.connect(target.socketAddress());
        f.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                SslHandler ssl = future.channel().pipeline().get(SslHandler.class);
                if (ssl == null) {
                    connected.accept(future.channel());
                    return;
                }
                future.channel().read(); // auto-read is off: the handshake needs reads until it is done
                ssl.handshakeFuture().addListener(hf -> {
                    if (hf.isSuccess()) {
                        connected.accept(future.channel());
                    } else {
                        future.channel().close();
                        TargetTlsException failure = TargetTlsException.of(hf.cause());
                        warnTls(failure);
                        target.connectFailed();
                        failed.accept(failure);
                    }
                });
            } else {
                target.connectFailed();
                failed.accept(future.cause());
            }
        });
    }

    private static void connected(Channel ch, TargetListener listener) {
        TargetConnection conn = ch.pipeline().get(TargetConnection.class);
        conn.attach(listener, false);
        listener.targetConnected(conn);
    }

    void warnTls(TargetTlsException failure) {
        long now = System.nanoTime();
        if (target.tlsWarnedAt == 0 || now - target.tlsWarnedAt >= TLS_WARNING_INTERVAL_NANOS) {
            target.tlsWarnedAt = now;
            log.warn("target {}: TLS handshake failed, request not sent: {}", target, failure.getMessage());
        }
    }

    void offer(TargetConnection c) {
        if (closed || !loop.inEventLoop()) {
            c.channel().close();
            return;
        }
        if (idle.size() >= MAX_IDLE) {
            // Full: the connection unused longest goes, the nearest to the target's own idle timeout.
            idle.pollFirst().channel().close();
        }
        c.idleSince = System.nanoTime();
        idle.addLast(c);
        c.read(); // notice a close by the target while idle
        if (sweep == null) {
            sweep = loop.schedule(this::sweep, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    void remove(TargetConnection c) {
        idle.remove(c);
    }

    private void sweep() {
        sweep = null;
        long now = System.nanoTime();
        TargetConnection c;
        while ((c = idle.peekFirst()) != null && now - c.idleSince >= idleNanos) {
            idle.pollFirst();
            c.channel().close();
        }
        if (c != null && !closed) { // the oldest left expires next (idleSince only grows along the queue)
            sweep = loop.schedule(this::sweep, c.idleSince + idleNanos - now, TimeUnit.NANOSECONDS);
        }
    }

    void close() {
        loop.execute(() -> {
            closed = true;
            if (h2 != null) {
                h2.close();
            }
            TargetConnection c;
            while ((c = idle.pollFirst()) != null) {
                c.channel().close();
            }
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
        });
    }
}
