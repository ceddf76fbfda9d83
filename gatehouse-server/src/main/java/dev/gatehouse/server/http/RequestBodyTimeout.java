package dev.gatehouse.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The request-body timeout of one HTTP/1.1 connection or one HTTP/2 stream, between the decoder and the
 * {@link ProxyHandler}: once a request head has arrived without its end, the client must send the next
 * piece of the body within {@code requestBody} of being asked for it. When it does not, the proxy handler
 * gets {@link HttpStage#REQUEST_BODY_TIMEOUT} and ends the request (408 and close; RST_STREAM on HTTP/2).
 *
 * <p>An idle timer, not a deadline for the whole body: every piece received restarts it, so a large
 * upload that keeps arriving is never cut off. The clock only runs while the proxy handler has asked
 * the client for more: while it waits for a slow target to take what it has (backpressure), the
 * client is not the one stalling. One {@link LazyTimer}, re-checked when it fires, so a body that
 * arrives steadily costs no timer per piece, and a connection's requests no timer each.
 *
 * <h2>Threading</h2>
 * Event loop only.
 */
final class RequestBodyTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    /** A request head arrived and the end of its body has not. */
    private boolean bodyPending;
    /** The proxy handler asked for more and nothing arrived since. */
    private boolean waiting;
    /** When the current wait started, or the last piece of the body arrived. */
    private long since;
    private final LazyTimer timer = new LazyTimer(this::check);

    RequestBodyTimeout(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        bodyPending = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest || msg instanceof HttpContent) {
            waiting = false;
            since = System.nanoTime();
            if (msg instanceof LastHttpContent) {
                // The timer stays armed: when it fires it finds no body pending and stops. A timer per
                // request (schedule, then cancel) would cost each request with a body-less head, which
                // HTTP/1.1 decodes as a head and an empty last piece, a priority-queue insert and removal.
                bodyPending = false;
            } else if (msg instanceof HttpRequest) {
                bodyPending = true;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (bodyPending && !waiting) {
            waiting = true;
            since = System.nanoTime();
            timer.arm(ctx.executor(), since + timeoutNanos);
        }
        ctx.read();
    }

    private void cancel() {
        timer.cancel();
    }

    private void check() {
        if (!bodyPending || !waiting || !ctx.channel().isActive()) {
            return; // armed again by the next read that waits for the body
        }
        if (System.nanoTime() - (since + timeoutNanos) < 0) {
            timer.arm(ctx.executor(), since + timeoutNanos);
            return;
        }
        bodyPending = false;
        waiting = false;
        ctx.fireUserEventTriggered(HttpStage.REQUEST_BODY_TIMEOUT);
    }
}
