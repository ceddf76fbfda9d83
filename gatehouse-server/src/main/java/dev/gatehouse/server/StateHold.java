package dev.gatehouse.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * First in every client connection's pipeline: holds the {@link RuntimeState} the connection was accepted
 * with until the connection is unregistered from its event loop. Netty fires that after the connection's
 * handlers have all seen it close (a task or two after the close itself), so the lines they write then (the
 * connection-log line of a connection still in its handshake, the access-log lines of what it ended) are
 * queued before the state, and possibly its log files ({@link LiveStates}), can close.
 */
final class StateHold extends ChannelInboundHandlerAdapter {
    private final RuntimeState state;
    private boolean released;

    StateHold(RuntimeState state) {
        this.state = state;
    }

    @Override
    public void channelUnregistered(ChannelHandlerContext ctx) throws Exception {
        release();
        ctx.fireChannelUnregistered();
    }

    /** Also when the pipeline is torn down without an unregistration (never expected; never held forever). */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        if (!released) {
            released = true;
            state.release();
        }
    }
}
