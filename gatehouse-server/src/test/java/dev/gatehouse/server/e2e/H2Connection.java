package dev.gatehouse.server.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One h2c (prior knowledge) connection driven frame by frame through Netty's HTTP/2 client codec, for
 * what browsers never do: many streams in one burst, streams left open, resets and control-frame floods.
 * Records what the server said about each stream (status, body, RST_STREAM code) and about the
 * connection (SETTINGS, GOAWAY).
 */
final class H2Connection implements AutoCloseable {
    /** How one stream ended: its status (-1 if none), body, and RST_STREAM code (-1 if not reset by the server). */
    record Outcome(int status, String body, long resetCode) {}

    /** A GOAWAY received: its error code and last stream id. */
    record GoAway(long errorCode, int lastStreamId) {}

    private final EventLoopGroup loop;
    private final Channel channel;
    /** The server's first SETTINGS. */
    final CompletableFuture<Http2Settings> settings = new CompletableFuture<>();
    /** The server's GOAWAY. */
    final CompletableFuture<GoAway> goAway = new CompletableFuture<>();
    /** Completes when the connection is closed. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    private H2Connection(EventLoopGroup loop, Channel channel) {
        this.loop = loop;
        this.channel = channel;
    }

    /** Connects; {@code onActive} runs on the connection's event loop before any byte of the server is read. */
    static H2Connection open(int port, Consumer<Channel> onActive) throws Exception {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        CompletableFuture<Http2Settings> settings = new CompletableFuture<>();
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        try {
            Channel ch = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            // Sends header blocks over the server's advertised limit: seeing what it does is the point.
                            c.pipeline().addLast(
                                    Http2FrameCodecBuilder.forClient().encoderIgnoreMaxHeaderListSize(true).build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                        @Override
                                        protected void initChannel(Channel unused) {
                                        }
                                    }),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelActive(ChannelHandlerContext ctx) {
                                            if (onActive != null) {
                                                onActive.accept(ctx.channel());
                                            }
                                            ctx.fireChannelActive();
                                        }

                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Http2SettingsFrame s) {
                                                settings.complete(s.settings());
                                            } else if (msg instanceof Http2GoAwayFrame g) {
                                                goAway.complete(new GoAway(g.errorCode(), g.lastStreamId()));
                                            }
                                            ReferenceCountUtil.release(msg);
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            closed.complete(null);
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close();
                                        }
                                    });
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            H2Connection c = new H2Connection(loop, ch);
            settings.whenComplete((s, e) -> c.settings.complete(s));
            goAway.whenComplete((g, e) -> c.goAway.complete(g));
            closed.whenComplete((v, e) -> c.closed.complete(null));
            return c;
        } catch (Exception e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    static H2Connection open(int port) throws Exception {
        return open(port, null);
    }

    Channel channel() {
        return channel;
    }

    /**
     * Opens a stream on {@code connection} (on its event loop) and returns what completes when the stream
     * is closed; the caller writes its frames to the stream channel set in {@code opened}.
     */
    static CompletableFuture<Outcome> stream(Channel connection, Consumer<Http2StreamChannel> opened) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        int[] status = {-1};
        long[] reset = {-1};
        Http2StreamChannelBootstrap b = new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2HeadersFrame h && h.headers().status() != null && status[0] < 0) {
                            status[0] = Integer.parseInt(h.headers().status().toString());
                        } else if (msg instanceof Http2DataFrame d) {
                            ByteBuf content = d.content();
                            byte[] bytes = new byte[content.readableBytes()];
                            content.readBytes(bytes);
                            received.writeBytes(bytes);
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof Http2ResetFrame r) {
                            reset[0] = r.errorCode();
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        done.complete(new Outcome(status[0], received.toString(StandardCharsets.UTF_8), reset[0]));
                    }
                });
        Runnable open = () -> b.open().addListener(f -> {
            if (f.isSuccess()) {
                opened.accept((Http2StreamChannel) f.getNow());
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        if (connection.eventLoop().inEventLoop()) {
            open.run();
        } else {
            connection.eventLoop().execute(open);
        }
        return done;
    }

    CompletableFuture<Outcome> stream(Consumer<Http2StreamChannel> opened) {
        return stream(channel, opened);
    }

    @Override
    public void close() throws Exception {
        try {
            channel.close().sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
