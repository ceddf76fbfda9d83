package dev.gatehouse.server.warmup;

import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The warm-up's clients, on BoringSSL like the gateway: one connection at a time per call, each a real
 * mutual-TLS handshake and one or more HTTP/1.1 requests (or HTTP/2 streams). A device connection presents a device
 * certificate never used before (leaf and intermediate, as a fleet's devices send them).
 */
final class WarmupClient implements AutoCloseable {
    private final EventLoopGroup loops;
    private final Transport transport;
    private final SslContext returning;
    private final SslContext devices;
    private final SslContext stranger;
    /** A returning client that offers only {@code h2} in ALPN. */
    private final SslContext returningH2;
    private final AtomicLong resumed = new AtomicLong();

    WarmupClient(EventLoopGroup loops, WarmupPki pki) throws SSLException {
        this.loops = loops;
        this.transport = Transport.of(loops.next());
        this.returning = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .keyManager(pki.clientKey.getPrivate(), pki.client).trustManager(pki.root).build();
        this.devices = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .keyManager(new NewDevices(pki)).trustManager(pki.root).build();
        this.stranger = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .keyManager(pki.strangerKey.getPrivate(), pki.stranger).trustManager(pki.root).build();
        this.returningH2 = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .keyManager(pki.clientKey.getPrivate(), pki.client).trustManager(pki.root)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /**
     * One connection to {@code port}: handshake, {@code requests} requests (the last one with
     * {@code Connection: close}), then close. The promise completes with the count of 200 responses.
     */
    Promise<Integer> connect(int port, Identity identity, int requests) {
        SslContext tls = switch (identity) {
            case RETURNING -> returning;
            case NEW_DEVICE -> devices;
            case STRANGER -> stranger;
        };
        return open(port, (ch, done) -> {
            SslHandler ssl = tls.newHandler(ch.alloc(), "localhost", port);
            ssl.setHandshakeTimeout(5, TimeUnit.SECONDS);
            ch.pipeline().addLast(ssl, new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                    new Requests(port, requests, done, resumed));
        });
    }

    /**
     * One HTTP/2 connection to {@code port} as the returning client: handshake, {@code streams} requests,
     * one stream after the other, then close. The promise completes with the count of 200 responses (0 if
     * the gateway did not agree to {@code h2}).
     */
    Promise<Integer> connectH2(int port, int streams) {
        return open(port, (ch, done) -> {
            SslHandler ssl = returningH2.newHandler(ch.alloc(), "localhost", port);
            ssl.setHandshakeTimeout(5, TimeUnit.SECONDS);
            ch.pipeline().addLast(ssl, Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(NO_PUSH),
                    new Streams(port, streams, done, resumed));
        });
    }

    /** The gateway pushes nothing; a stream it opened would be refused by the codec before reaching this. */
    private static final ChannelHandler NO_PUSH = new NoPush();

    @ChannelHandler.Sharable
    private static final class NoPush extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    /**
     * A TCP connection closed before any TLS, as load balancers' health checks and port scanners make:
     * the gateway's path for a handshake that never happened.
     */
    Promise<Integer> probe(int port) {
        return open(port, (ch, done) -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.close();
            }
        }));
    }

    /**
     * Connects to {@code port} with the pipeline {@code handlers} sets up; the promise completes when the
     * connection ends (with 0 if the handlers did not complete it before, or the connection failed).
     */
    private Promise<Integer> open(int port, BiConsumer<Channel, Promise<Integer>> handlers) {
        Promise<Integer> done = loops.next().newPromise();
        ChannelFuture connecting = transport.connectionOptions(new Bootstrap()).group(loops)
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        handlers.accept(ch, done);
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port));
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                done.trySuccess(0);
            } else {
                connecting.channel().closeFuture().addListener(c -> done.trySuccess(0));
            }
        });
        return done;
    }

    @Override
    public void close() {
        ReferenceCountUtil.release(returning);
        ReferenceCountUtil.release(devices);
        ReferenceCountUtil.release(stranger);
        ReferenceCountUtil.release(returningH2);
    }

    /** Handshakes that resumed a session (the client's own view, from BoringSSL). */
    long resumed() {
        return resumed.get();
    }

    /** Who a connection presents itself as. */
    enum Identity {
        /** The same client certificate every time, issued by the root. */
        RETURNING,
        /** A device certificate never used before (leaf and intermediate). */
        NEW_DEVICE,
        /** A certificate the gateway does not trust: the handshake is refused. */
        STRANGER
    }

    /** The warm-up's request, its header names capitalised or in lower case. */
    private static FullHttpRequest request(int port, boolean capitalised) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/warm-up");
        r.headers().set(capitalised ? "Host" : "host", "localhost:" + port)
                .set(capitalised ? "User-Agent" : "user-agent", "gatehouse-warm-up")
                .set(capitalised ? "Accept" : "accept", "*/*");
        return r;
    }

    /** Counts the handshake just completed on {@code ssl} if it resumed a session (BoringSSL's own view). */
    private static void countIfResumed(SslHandler ssl, AtomicLong resumed) {
        if (ssl.engine() instanceof ReferenceCountedOpenSslEngine engine && SSL.isSessionReused(engine.sslPointer())) {
            resumed.incrementAndGet();
        }
    }

    /** Sends the requests one after the other once the handshake is done, counting 200s. */
    private static final class Requests extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final int port;
        private final int requests;
        private final Promise<Integer> done;
        private final AtomicLong resumed;
        private int sent;
        private int ok;

        Requests(int port, int requests, Promise<Integer> done, AtomicLong resumed) {
            this.port = port;
            this.requests = requests;
            this.done = done;
            this.resumed = resumed;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    countIfResumed(ctx.pipeline().get(SslHandler.class), resumed);
                    send(ctx);
                } else {
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        private void send(ChannelHandlerContext ctx) {
            sent++;
            // Header names as clients write them: capitalised (curl, wrk, browsers over HTTP/1.1) and in
            // lower case; the gateway compares them either way.
            boolean capitalised = (sent & 1) == 1;
            FullHttpRequest r = request(port, capitalised);
            if (sent == requests) {
                r.headers().set(capitalised ? "Connection" : "connection", "close");
            }
            ctx.writeAndFlush(r, ctx.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (response.status().code() == 200) {
                ok++;
            }
            if (sent < requests && HttpUtil.isKeepAlive(response)) {
                send(ctx);
            } else {
                done.trySuccess(ok);
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            done.trySuccess(ok);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** On an HTTP/2 connection: once the handshake agreed to {@code h2}, one stream per request, in turn. */
    private static final class Streams extends ChannelInboundHandlerAdapter {
        private final int port;
        private final int streams;
        private final Promise<Integer> done;
        private final AtomicLong resumed;
        private int sent;
        private int ok;

        Streams(int port, int streams, Promise<Integer> done, AtomicLong resumed) {
            this.port = port;
            this.streams = streams;
            this.done = done;
            this.resumed = resumed;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (e.isSuccess() && ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
                    countIfResumed(ssl, resumed);
                    next(ctx.channel());
                } else {
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        /** The next request on a stream of its own, or the end of the connection. */
        private void next(Channel connection) {
            if (sent == streams) {
                done.trySuccess(ok);
                connection.close();
                return;
            }
            sent++;
            new Http2StreamChannelBootstrap(connection).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                            new HttpObjectAggregator(1 << 16), new SimpleChannelInboundHandler<FullHttpResponse>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext s, FullHttpResponse response) {
                                    if (response.status().code() == 200) {
                                        ok++;
                                    }
                                    s.close();
                                    next(connection);
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext s, Throwable cause) {
                                    connection.close();
                                }
                            });
                }
            }).open().addListener(f -> {
                if (!f.isSuccess()) {
                    connection.close();
                    return;
                }
                ((Channel) f.getNow()).writeAndFlush(request(port, false));
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            done.trySuccess(ok);
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Presents a device certificate never used before on every handshake. */
    private static final class NewDevices extends X509ExtendedKeyManager {
        private final WarmupPki pki;

        NewDevices(WarmupPki pki) {
            this.pki = pki;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return "device";
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return "device";
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            try {
                return new X509Certificate[] {pki.newDevice(), pki.intermediate};
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return pki.deviceKey.getPrivate();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"device"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
