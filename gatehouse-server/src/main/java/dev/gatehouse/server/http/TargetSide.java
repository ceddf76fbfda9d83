package dev.gatehouse.server.http;

import dev.gatehouse.server.headers.BodyFraming;
import dev.gatehouse.server.http.Exchange.State;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetConnection;
import dev.gatehouse.server.target.TargetListener;
import dev.gatehouse.server.target.TargetTlsException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;

/**
 * The target side of one {@link ProxyHandler}: takes a target connection for the exchange in progress,
 * writes the request head to it, streams the response back to the client, and turns what goes wrong on
 * the target connection into the client's answer.
 *
 * <h2>Connecting</h2>
 * A connection comes from the target's pool on the client's event loop ({@link Target#pool}), idle or
 * new. A target that cannot be connected is followed by the next one of the group, until each was tried
 * once: then {@code 502} ({@code 504} for a connect timeout).
 *
 * <h2>Response</h2>
 * Interim responses are dropped ({@code 100 Continue} is passed on when the client asked for it),
 * {@code 101} is refused unless it accepts a WebSocket handshake (then the exchange becomes a
 * {@link Tunnel}); the head is re-framed for the client ({@link BodyFraming#clientResponse}) and
 * the body streams through. The response timer runs from the end of the request to the response head.
 * A target that closes, resets or sends garbage gets {@code 502} written for it, or, once its response
 * started, the client connection (or stream) ends.
 *
 * <h2>Backpressure</h2>
 * The target is asked for more of the response only while the client channel is writable; the handler
 * resumes it when the client drained. The target becoming writable again resumes the request body.
 *
 * <h2>Threading</h2>
 * The client channel's event loop, which is also the target connection's. The response timeout is one
 * {@link LazyTimer} for the handler's whole life: an exchange sets its deadline, and the timer (armed at
 * the earliest deadline asked for) re-checks the exchange in progress when it fires, so a keep-alive
 * connection's requests schedule no timer each.
 */
final class TargetSide implements TargetListener {
    /** The reason of a {@code 504} for a target that did not accept the connection in time. */
    static final String CONNECT_TIMEOUT = "target connect timeout";

    private final ProxyHandler handler;
    private final LazyTimer responseTimer = new LazyTimer(this::responseTimerFired);

    TargetSide(ProxyHandler handler) {
        this.handler = handler;
    }

    /** Asks the pool of {@code t} for a connection for {@code ex}. */
    void connectTo(Exchange ex, Target t) {
        ex.target = t;
        ex.attempts++;
        handler.log.target = t.logName();
        t.pool(handler.ctx.channel().eventLoop()).acquire(this);
    }

    @Override
    public void targetConnected(TargetConnection c) {
        Exchange ex = handler.in(State.CONNECTING);
        if (ex == null) {
            c.release(true); // nothing was written: as good as new
            return;
        }
        ex.conn = c;
        ex.target.requestStarted();
        ex.state = State.STREAMING;
        handler.log.targetStartNanos = System.nanoTime();
        HttpRequest h = ex.head;
        ex.head = null;
        c.write(h);
        if (ex.requestComplete) {
            ex.requestSent = true;
            startResponseTimer(ex);
        }
        c.flush();
        c.read();
        handler.drainInbound();
        if (ex.conn != null) {
            ex.conn.flush();
        }
        handler.requestMore();
    }

    @Override
    public void targetConnectFailed(Target t, Throwable cause) {
        Exchange ex = handler.in(State.CONNECTING);
        if (ex == null) {
            return;
        }
        if (ex.attempts < ex.group.size()) {
            connectTo(ex, ex.group.next(t));
            return;
        }
        if (cause instanceof TargetTlsException tls) {
            handler.respondError(ex, HttpResponseStatus.BAD_GATEWAY, tls.getMessage());
        } else if (cause instanceof ConnectTimeoutException) {
            handler.respondError(ex, HttpResponseStatus.GATEWAY_TIMEOUT, CONNECT_TIMEOUT);
        } else if (cause instanceof ConnectException) {
            handler.respondError(ex, HttpResponseStatus.BAD_GATEWAY, "target refused the connection");
        } else {
            handler.respondError(ex, HttpResponseStatus.BAD_GATEWAY, "target unreachable");
        }
    }

    @Override
    public void targetRead(Object msg) {
        if (handler.tunnel != null) {
            handler.tunnel.fromTarget(msg);
            return;
        }
        Exchange ex = handler.in(State.STREAMING);
        if (ex == null || ex.conn == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ChannelHandlerContext ctx = handler.ctx;
        if (msg instanceof HttpResponse r) {
            if (r.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                handler.failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "target sent an invalid response");
                return;
            }
            int code = r.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                if (code == 100 && ex.expectContinue && !ex.responseStarted) {
                    ctx.writeAndFlush(LocalResponses.continue100(), ctx.voidPromise());
                }
                ex.skipInformationalEnd = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
            ex.cancelResponseTimer();
            if (ex.group.protocolVersion().http2()) {
                r.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            }
            if (code == 101 && ex.websocket) {
                Tunnel.open(handler, ex, r).start();
                return;
            }
            if (code == 101) {
                ReferenceCountUtil.release(msg);
                handler.failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "target switched protocols");
                return;
            }
            ex.responseStarted = true;
            handler.log.status = code;
            handler.log.targetEndNanos = System.nanoTime();
            ex.targetKeepAlive = HttpUtil.isKeepAlive(r);
            ex.closeAfterResponse = BodyFraming.clientResponse(r, handler.h2,
                    ex.keepAlive && !handler.closing() && !handler.closeForReload(), ex.headRequest, ex.http10);
            if (msg instanceof LastHttpContent last) {
                handler.log.bytesSent += last.content().readableBytes();
                handler.finishResponse(ex, msg);
            } else {
                ctx.write(msg, ctx.voidPromise());
            }
            return;
        }
        if (msg instanceof HttpContent c) {
            if (ex.skipInformationalEnd) {
                ex.skipInformationalEnd = !(msg instanceof LastHttpContent);
                c.release();
                return;
            }
            if (!ex.responseStarted) {
                c.release();
                return;
            }
            handler.log.bytesSent += c.content().readableBytes();
            if (msg instanceof LastHttpContent) {
                handler.finishResponse(ex, msg);
            } else {
                ctx.write(msg, ctx.voidPromise());
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void targetReadComplete() {
        if (handler.tunnel != null) {
            handler.tunnel.targetReadComplete();
            return;
        }
        ChannelHandlerContext ctx = handler.ctx;
        ctx.flush();
        Exchange ex = handler.in(State.STREAMING);
        if (ex != null && ex.conn != null) {
            if (ctx.channel().isWritable()) {
                ex.conn.read();
            } else {
                ex.waitingClientWritable = true;
            }
        }
    }

    @Override
    public void targetWritabilityChanged(boolean writable) {
        if (handler.tunnel != null && writable) {
            handler.tunnel.targetWritable();
        }
        Exchange ex = handler.exchange();
        if (writable && ex != null && ex.waitingTargetWritable) {
            ex.waitingTargetWritable = false;
            handler.requestMore();
        }
    }

    @Override
    public void targetClosed(Throwable cause) {
        if (handler.tunnel != null) {
            Exchange tunnelled = handler.exchange();
            if (tunnelled != null && tunnelled.conn != null && tunnelled.state != State.CLOSED) {
                handler.tunnel.targetClosed();
            }
            return;
        }
        Exchange ex = handler.in(State.STREAMING);
        if (ex == null || ex.conn == null) {
            return;
        }
        ex.conn = null; // already closed or closing
        ex.target.requestFinished();
        if (cause == null) {
            handler.failExchange(ex, HttpResponseStatus.BAD_GATEWAY, ex.responseStarted
                    ? "target closed the connection mid-response" : "target closed the connection");
        } else if (cause instanceof IOException) {
            handler.failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "target reset the connection");
        } else {
            handler.failExchange(ex, HttpResponseStatus.BAD_GATEWAY, "target connection failed");
        }
    }

    /** The whole request reached the target: its response head is due within the group's timeout. */
    void startResponseTimer(Exchange ex) {
        long millis = ex.group.timeouts().response().toMillis();
        if (ex.grpcTimeoutMillis >= 0) {
            millis = Math.min(millis, ex.grpcTimeoutMillis);
        }
        ex.responseDue = true;
        ex.responseDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        responseTimer.arm(handler.ctx.executor(), ex.responseDeadline);
    }

    /** The handler is gone (its connection or stream closed): no timer of it stays scheduled. */
    void stopResponseTimer() {
        responseTimer.cancel();
    }

    /**
     * The response timer fired: the exchange in progress, if its response head is due and late, fails
     * with {@code 504}; if it is due later (a newer exchange), the timer is armed for that.
     */
    private void responseTimerFired() {
        Exchange ex = handler.exchange();
        if (ex == null || !ex.responseDue) {
            return; // armed again by the next exchange that waits for a response
        }
        if (System.nanoTime() - ex.responseDeadline < 0) {
            responseTimer.arm(handler.ctx.executor(), ex.responseDeadline);
            return;
        }
        ex.responseDue = false;
        if (ex.state == State.STREAMING && !ex.responseStarted) {
            handler.failExchange(ex, HttpResponseStatus.GATEWAY_TIMEOUT, "target response timeout");
        }
    }

    /** Gives up on the target connection (not reusable) without touching the client side. */
    static void drop(Exchange ex) {
        TargetConnection c = ex.conn;
        if (c != null) {
            ex.conn = null;
            ex.target.requestFinished();
            c.discard();
        }
    }
}
