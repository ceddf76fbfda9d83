package dev.gatehouse.server.http;

import dev.gatehouse.server.headers.BodyFraming;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The client-side timeouts of an HTTP/1.1 connection, in front of the decoder: a connection with no
 * request in flight and no byte received for {@code idle} is closed; a request head that has not fully
 * arrived {@code requestHead} after its first byte gets {@code 408} ({@link LocalResponses}, written
 * through the codec behind this handler) and the connection is closed.
 *
 * <p>One timer per connection ({@link LazyTimer}), re-armed lazily: it fires at the earliest deadline it
 * was asked for and re-checks the current phase, so a request costs no timer at all when its head
 * arrives in one read (the common case).
 *
 * <h2>Threading</h2>
 * Event loop only.
 */
final class ClientTimeouts extends ChannelDuplexHandler {
    private static final int IDLE = 0;
    private static final int HEAD = 1;
    private static final int BUSY = 2;

    private final long idleNanos;
    private final long headNanos;
    private ChannelHandlerContext ctx;
    private int phase = IDLE;
    private long since;
    private final LazyTimer timer = new LazyTimer(this::check);

    ClientTimeouts(long idleNanos, long headNanos) {
        this.idleNanos = idleNanos;
        this.headNanos = headNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        since = System.nanoTime();
        arm(since + idleNanos);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == IDLE && msg instanceof ByteBuf) {
            phase = HEAD;
            since = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
        if (phase == HEAD) {
            arm(since + headNanos);
        }
    }

    /** The request head was decoded. */
    void requestStarted() {
        phase = BUSY;
    }

    /** The response was sent; the connection waits for the next request. */
    void requestFinished() {
        phase = IDLE;
        since = System.nanoTime();
        arm(since + idleNanos);
    }

    private void arm(long deadline) {
        timer.arm(ctx.executor(), deadline);
    }

    private void cancel() {
        timer.cancel();
    }

    private void check() {
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (phase == IDLE) {
            if (now - (since + idleNanos) >= 0) {
                ctx.close();
            } else {
                arm(since + idleNanos);
            }
        } else if (phase == HEAD) {
            if (now - (since + headNanos) >= 0) {
                phase = BUSY;
                // Through the codec (from the pipeline's tail), like every response Gatehouse writes itself.
                FullHttpResponse timeout = LocalResponses.error(HttpResponseStatus.REQUEST_TIMEOUT,
                        "request head too slow");
                BodyFraming.connection(timeout.headers(), true, false);
                ctx.channel().writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
            } else {
                arm(since + headNanos);
            }
        }
    }
}
