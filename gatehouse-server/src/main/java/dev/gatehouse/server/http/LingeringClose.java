package dev.gatehouse.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A close that lets the client read what was written last: the first handler of a client connection
 * whose client may still be sending when Gatehouse ends it (HTTP/2, where streams and frames keep coming
 * until the client has read the GOAWAY; an HTTP/1.1 connection closed before the request body was read,
 * where it is added at that moment; a TLS handshake that failed, where the client has often sent its
 * Finished and first request before it reads the alert). Closing a socket that has unread input makes the
 * kernel send a TCP reset, and a client that receives the reset may lose the GOAWAY, the response or the
 * TLS alert (and the close_notify) sent just before it, so it never learns why the connection ended.
 *
 * <p>So a close first ends only the output (FIN after everything written, the TLS close_notify
 * included), then reads and drops whatever the client still sends until it closes its side too, or
 * {@link #LINGER_MILLIS} pass; then the socket closes. A second close while lingering waits for the same end.
 *
 * <h2>Threading</h2>
 * Event loop only.
 */
public final class LingeringClose extends ChannelDuplexHandler {
    /** How long a closing connection waits at most for the client to close its side. */
    static final long LINGER_MILLIS = 2_000;

    /**
     * For a connection whose client may still be sending when it closes: every HTTP/2 connection, added
     * when it starts; an HTTP/1.1 request body refused or stopped, or a TLS handshake that failed, added
     * at that moment, so the connections that close with nothing unread do not pay for it. The close will
     * linger, so that the client's unread bytes do not make the kernel reset the connection under the
     * GOAWAY, the response or the alert.
     */
    public static void addTo(ChannelPipeline pipeline) {
        addTo(pipeline, Long.MAX_VALUE);
    }

    /**
     * {@link #addTo(ChannelPipeline)}, but the linger also ends once the client has sent {@code maxBytes}
     * more: for a connection whose client may be hostile (a failed handshake), whose late bytes are a
     * Finished and a first request, not a body worth draining.
     */
    public static void addTo(ChannelPipeline pipeline, long maxBytes) {
        if (pipeline.get(LingeringClose.class) == null) {
            pipeline.addFirst("linger", new LingeringClose(maxBytes));
        }
    }

    /** How many more bytes of the client's a linger reads and drops before it closes anyway. */
    private long budget;
    private ChannelPromise lingering;
    private ScheduledFuture<?> timer;

    private LingeringClose(long maxBytes) {
        this.budget = maxBytes;
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel ch = ctx.channel();
        if (lingering != null) {
            // Closing again (the HTTP/2 codec does, once for the GOAWAY and once for the error): the same
            // linger; done when it is.
            ChannelPromise first = lingering;
            first.addListener(f -> promise.trySuccess());
            return;
        }
        if (!(ch instanceof DuplexChannel duplex) || !ch.isActive() || duplex.isInputShutdown()
                || duplex.isOutputShutdown()) {
            ctx.close(promise);
            return;
        }
        lingering = promise;
        // The FIN goes out once everything written before it has: io_uring may still have those writes in
        // flight when the close comes (a handshake alert flushed a moment ago), and a shutdown issued
        // straight away would overtake them. Writes complete in order, so an empty one marks the point.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || lingering == null) {
                finish(ctx);
                return;
            }
            duplex.shutdownOutput().addListener(f -> {
                if (!f.isSuccess()) {
                    finish(ctx);
                }
            });
        });
        timer = ctx.executor().schedule(() -> finish(ctx), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.config().setAutoRead(true);
        ctx.read();
    }

    /** The real close of a lingering connection. */
    private void finish(ChannelHandlerContext ctx) {
        ChannelPromise promise = lingering;
        if (promise == null) {
            return;
        }
        lingering = null;
        cancelTimer();
        ctx.close(promise);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering != null) {
            if (msg instanceof ByteBuf b) {
                budget -= b.readableBytes();
            }
            ReferenceCountUtil.release(msg); // read only to see the client's end; nothing of it is used
            if (budget < 0) {
                finish(ctx); // the client keeps sending: enough has been read
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (lingering == null) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (lingering != null) {
            ReferenceCountUtil.release(evt);
            return; // e.g. the client's end of input: the close that follows finishes the linger
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (lingering != null) {
            finish(ctx); // a reset while lingering: nothing more to wait for
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ChannelPromise promise = lingering;
        lingering = null;
        if (promise != null) {
            promise.trySuccess();
        }
        ctx.fireChannelInactive();
    }
}
