package dev.gatehouse.server.http;

import dev.gatehouse.server.target.Http2Windows;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * Connection-level duties of an HTTP/2 client connection: opens the connection flow-control window
 * (streams keep their own, smaller windows), closes the connection after {@code idle} without an active
 * stream, and answers a drain with GOAWAY (closing an {@link Http2FrameCodec} channel sends GOAWAY and
 * waits for the open streams, up to the graceful-shutdown timeout), and closes the stream channels that
 * would outlive the connection.
 *
 * <p>Netty keeps a stream channel open after its stream closed as long as it holds frames its handlers
 * have not asked to read, so that they can still be read: a request waiting for its target connection
 * asks for nothing, and its body frames wait in the stream channel. Once the connection itself has closed,
 * nothing would ever read them; closing the stream channel releases them, ends the request (access log,
 * requests in flight) and drops the pending target connection.
 *
 * <h2>Threading</h2>
 * Event loop only.
 */
final class Http2ConnectionGuard extends ChannelDuplexHandler {
    private final Http2FrameCodec codec;
    private final int connectionWindow;
    /** The connection's stream channels that are still open. */
    private final Set<Channel> streams = new HashSet<>();
    private final ChannelFutureListener forget = f -> streams.remove(f.channel());

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

    /** Called for each stream channel as it is initialised: closed with the connection if still open then. */
    void streamOpened(Channel stream) {
        streams.add(stream);
        stream.closeFuture().addListener(forget);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The codec closed the streams already; the stream channels that stay open hold unread frames.
        for (Channel stream : streams.toArray(new Channel[0])) {
            stream.close();
        }
        ctx.fireChannelInactive();
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
