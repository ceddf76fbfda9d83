package dev.gatehouse.server.target;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/1.1 connection to a target, or one HTTP/2 stream to it (its child channel, turned into
 * HTTP/1-style objects): the last handler of its pipeline, and the handle an exchange holds while it uses
 * the connection.
 *
 * <h2>Lifecycle</h2>
 * A connection is held by at most one {@link TargetListener} at a time; between requests it sits idle in
 * its {@link TargetPool}. {@link #release(boolean)} gives it back (or closes it when it cannot be
 * reused); {@link #discard()} closes it. Once released, nothing more reaches the former holder.
 *
 * <h2>Threading</h2>
 * Everything happens on the connection's event loop (the client channel's loop), so no field needs to
 * be volatile.
 */
public final class TargetConnection extends ChannelInboundHandlerAdapter {
    private final TargetPool pool;
    /** An HTTP/2 stream of a multiplexed connection: used once, never pooled. */
    private final boolean stream;
    private Channel channel;
    private TargetListener listener;
    private boolean reused;
    long idleSince;

    TargetConnection(TargetPool pool, boolean stream) {
        this.pool = pool;
        this.stream = stream;
    }

    void attach(TargetListener l, boolean wasPooled) {
        this.listener = l;
        this.reused = wasPooled;
    }

    public Target target() {
        return pool.target();
    }

    /** Whether this connection served an earlier request (taken from the pool, not freshly connected). */
    public boolean reused() {
        return reused;
    }

    public Channel channel() {
        return channel;
    }

    /** Writes without flushing; a failure is reported through {@link TargetListener#targetClosed}. */
    public void write(Object msg) {
        channel.write(msg, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    /** Asks for one more read of the response (the connection does not read on its own). */
    public void read() {
        channel.read();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    /**
     * Gives the connection back. {@code reusable}: the exchange completed cleanly (whole request sent,
     * whole response read, keep-alive on both ends); otherwise the connection is closed.
     */
    public void release(boolean reusable) {
        listener = null;
        if (stream) {
            channel.close(); // ends the stream (RST_STREAM unless both sides ended it already)
        } else if (reusable && channel.isActive()) {
            pool.offer(this);
        } else {
            channel.close();
        }
    }

    /** Closes the connection (the exchange failed or was abandoned mid-way). */
    public void discard() {
        listener = null;
        channel.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        TargetListener l = listener;
        if (l != null) {
            l.targetRead(msg);
        } else {
            // An idle connection has nothing to say; a target that talks out of turn is not reused.
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        TargetListener l = listener;
        if (l != null) {
            l.targetReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        TargetListener l = listener;
        if (l != null) {
            l.targetWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        TargetListener l = listener;
        listener = null;
        pool.remove(this);
        if (l != null) {
            l.targetClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        TargetListener l = listener;
        listener = null;
        ctx.close();
        if (l != null) {
            l.targetClosed(cause);
        }
    }
}
