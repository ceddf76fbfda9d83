package dev.gatehouse.server.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An h2c (prior knowledge) client for requests real clients will not send: any {@code :path}, a
 * {@code host} header next to {@code :authority}, trailers. One request per call, on a new connection.
 */
final class H2Client {
    private H2Client() {}

    /** The response: status (or -1 when the stream was reset) and body. */
    record Response(int status, String body) {}

    /**
     * Sends {@code headers} (pseudo-headers included), then {@code body} if not null, then
     * {@code trailers} if not null, and waits for the response.
     */
    static Response exchange(int port, Http2Headers headers, String body, Http2Headers trailers) throws Exception {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                                        @Override
                                        protected void initChannel(Channel unused) {
                                        }
                                    }));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            CompletableFuture<Response> done = new CompletableFuture<>();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int[] status = {-1};
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch)
                    .handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                            boolean end = false;
                            if (frame instanceof Http2HeadersFrame h) {
                                if (h.headers().status() != null) {
                                    status[0] = Integer.parseInt(h.headers().status().toString());
                                }
                                end = h.isEndStream();
                            } else if (frame instanceof Http2DataFrame d) {
                                ByteBuf b = d.content();
                                byte[] bytes = new byte[b.readableBytes()];
                                b.readBytes(bytes);
                                received.writeBytes(bytes);
                                end = d.isEndStream();
                            } else if (frame instanceof Http2ResetFrame) {
                                done.complete(new Response(-1, received.toString(StandardCharsets.UTF_8)));
                            }
                            if (end) {
                                done.complete(new Response(status[0], received.toString(StandardCharsets.UTF_8)));
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            done.complete(new Response(status[0], received.toString(StandardCharsets.UTF_8)));
                        }
                    }).open().sync().getNow();
            stream.write(new DefaultHttp2HeadersFrame(headers, body == null && trailers == null));
            if (body != null) {
                stream.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8),
                        trailers == null));
            }
            if (trailers != null) {
                stream.write(new DefaultHttp2HeadersFrame(trailers, true));
            }
            stream.flush();
            Response r = done.get(20, TimeUnit.SECONDS);
            ch.close().sync();
            return r;
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Request headers with {@code :method}, {@code :scheme} http, {@code :path} and {@code :authority}. */
    static Http2Headers request(String method, String path, String authority) {
        Http2Headers h = new DefaultHttp2Headers(false).method(method).scheme("http").path(path);
        if (authority != null) {
            h.authority(authority);
        }
        return h;
    }
}
