package dev.gatehouse.server.http;

import dev.gatehouse.server.target.Http2Windows;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Connection-level duties of an HTTP/2 client connection: opens the connection flow-control window
 * (streams keep their own, smaller windows), closes the connection after {@code idle} without an active
 * stream, and answers a drain with GOAWAY (closing an {@link Http2FrameCodec} channel sends GOAWAY and
 * waits for the open streams, up to the graceful-shutdown timeout).
 */
final class Http2ConnectionGuard extends ChannelDuplexHandler {
    private final Http2FrameCodec codec;
    private final int connectionWindow;

    Http2ConnectionGuard(Http2FrameCodec codec, int connectionWindow) {
        this.codec = codec;
        this.connectionWindow = connectionWindow;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        try {
            Http2Windows.openConnectionWindow(codec, connectionWindow);
            ctx.flush();
        } catch (Http2Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (codec.connection().numActiveStreams() == 0) {
                ctx.channel().close();
            }
            return;
        }
        if (evt == HttpStage.DRAIN) {
            ctx.channel().close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * An HTTP/2 connection error was already answered by the codec, which sends GOAWAY with its code
     * (ENHANCE_YOUR_CALM for abuse, PROTOCOL_ERROR, ...) and closes: closing here first would send
     * GOAWAY(NO_ERROR) instead. Anything else (a reset connection) closes it.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            return;
        }
        ctx.close();
    }
}
