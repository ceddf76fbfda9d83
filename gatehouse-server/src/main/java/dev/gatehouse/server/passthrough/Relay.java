package dev.gatehouse.server.passthrough;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One direction of a relayed connection: what this side reads is written to {@code peer}, untouched.
 * Backpressure: when {@code peer} cannot take more (its outbound buffer is over the high-water mark),
 * this side stops reading until it drains. When this side closes, {@code peer} is closed after what was
 * written to it is flushed; an idle connection (no byte either way for the listener's {@code idle}
 * timeout) is closed on both sides. Both sides run on the same event loop.
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Relay.class);

    private final Channel peer;

    Relay(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // The other direction stops reading while this side cannot take more.
        ctx.channel().closeFuture().addListener(f -> closeAfterFlush(peer));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!peer.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            // Stop reading before the flush: a flush that drains the peer at once signals it writable again
            // right away, and that must win.
            ctx.channel().config().setAutoRead(false);
            peer.flush();
            if (peer.isWritable()) {
                ctx.channel().config().setAutoRead(true);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        ctx.fireChannelReadComplete();
    }

    /** This side drained: the peer may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            peer.close();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("relayed connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private static void closeAfterFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
