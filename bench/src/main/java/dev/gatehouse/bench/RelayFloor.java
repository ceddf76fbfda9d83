package dev.gatehouse.bench;

import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.headers.IdentityHeaderValues;
import dev.gatehouse.server.transport.CpuAffinity;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an mTLS HTTP/1.1 proxy built on Netty and BoringSSL costs at the least, for the keep-alive mode of
 * {@code bench/side_by_side.sh}: the floors Gatehouse's own figure is read against. Each client connection
 * gets one connection to the target, opened when the client connects, and every byte is relayed:
 * <ul>
 *   <li>{@code raw}: TLS termination with a verified client certificate, and bytes relayed as they come.
 *       No HTTP at all: the floor of the sockets, the TLS records and the event loop.</li>
 *   <li>{@code bytes}: the same, and each request head is found by scanning for its blank line and gets
 *       the headers Gatehouse forwards (the five {@code X-Amzn-Mtls-Clientcert-*} of the client's
 *       certificate and {@code X-Forwarded-For/-Proto/-Port}), encoded once per connection, after its
 *       request line; the end of each response head is scanned for too. What a byte-level HTTP/1.1 path
 *       would cost at the least.</li>
 *   <li>{@code codec}: Netty's HTTP/1.1 codecs on both sides (request and response decoded to objects and
 *       encoded again) and the same headers added to each request. What any proxy on Netty's HTTP/1.1
 *       codec costs at the least, before routing, checks, limits and logs.</li>
 * </ul>
 * No checks, no limits, no routing, no logs, no timeouts, no pipelining and no request bodies in
 * {@code bytes} mode: a measuring tool, never a proxy to deploy.
 *
 * <p>The floors run on Gatehouse's transport ({@code -Dgatehouse.transport} chooses it as for the gateway).
 *
 * <p>Usage: {@code RelayFloor raw|bytes|codec LISTEN_PORT TARGET_PORT CERT KEY CA}; both on 127.0.0.1.
 */
public final class RelayFloor {
    private enum Mode { RAW, BYTES, CODEC }

    private final Mode mode;
    private final int targetPort;

    private RelayFloor(Mode mode, int targetPort) {
        this.mode = mode;
        this.targetPort = targetPort;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: RelayFloor raw|bytes|codec LISTEN_PORT TARGET_PORT CERT KEY CA");
            System.exit(2);
        }
        Mode mode = Mode.valueOf(args[0].toUpperCase(java.util.Locale.ROOT));
        SslContext tls = SslContextBuilder.forServer(new File(args[3]), new File(args[4]))
                .sslProvider(SslProvider.OPENSSL).clientAuth(ClientAuth.REQUIRE)
                .trustManager(new File(args[5])).protocols("TLSv1.3", "TLSv1.2").build();
        new RelayFloor(mode, Integer.parseInt(args[2])).serve(tls, Integer.parseInt(args[1]));
    }

    private void serve(SslContext tls, int port) throws Exception {
        CpuAffinity affinity = CpuAffinity.fromProperty();
        EventLoopGroup loops = Transport.eventLoopsOfThisProcess(Runtime.getRuntime().availableProcessors());
        System.err.println("relay floor: event loops " + affinity.pin(loops));
        Transport transport = Transport.of(loops.next());
        Channel listening = transport.connectionOptions(new ServerBootstrap()).group(loops)
                .channel(transport.serverChannel())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc());
                        ch.pipeline().addLast("tls", ssl);
                        if (mode == Mode.CODEC) {
                            ch.pipeline().addLast("http", new HttpServerCodec());
                        }
                        ch.pipeline().addLast("relay", new ClientSide(ssl));
                    }
                }).bind("127.0.0.1", port).sync().channel();
        System.out.println("relay floor (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ") on "
                + listening.localAddress() + ", target 127.0.0.1:" + targetPort);
        listening.closeFuture().sync();
    }

    /** The client side of one connection: starts the target connection, then relays what the client sends. */
    private final class ClientSide extends ChannelInboundHandlerAdapter {
        private final SslHandler ssl;
        private Channel target;
        /** bytes mode: the headers to add after each request line. */
        private ByteBuf added;
        /** codec mode: the same headers, validated once. */
        private HttpHeaders addedHeaders;
        /** bytes mode: a request head that arrived in parts. */
        private ByteBuf partial;
        /** What arrived before the target connection was up. */
        private final java.util.ArrayDeque<Object> waiting = new java.util.ArrayDeque<>(2);

        ClientSide(SslHandler ssl) {
            this.ssl = ssl;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            ctx.read(); // the handshake
            ssl.handshakeFuture().addListener(hs -> {
                if (!hs.isSuccess()) {
                    client.close();
                    return;
                }
                List<Map.Entry<String, String>> headers = headers(ssl, client);
                if (mode == Mode.BYTES) {
                    StringBuilder block = new StringBuilder(2048);
                    headers.forEach(h -> block.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n"));
                    added = Unpooled.directBuffer().writeBytes(block.toString().getBytes(StandardCharsets.US_ASCII));
                } else if (mode == Mode.CODEC) {
                    addedHeaders = DefaultHttpHeadersFactory.headersFactory().newHeaders();
                    headers.forEach(h -> addedHeaders.add(AsciiString.of(h.getKey()), new AsciiString(h.getValue())));
                }
                Transport transport = Transport.of(client.eventLoop());
                transport.connectionOptions(new Bootstrap()).group(client.eventLoop())
                        .channel(transport.socketChannel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                if (mode == Mode.CODEC) {
                                    ch.pipeline().addLast("http", new HttpClientCodec());
                                }
                                ch.pipeline().addLast("relay", new TargetSide(client));
                            }
                        })
                        .connect("127.0.0.1", targetPort).addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess()) {
                                client.close();
                                return;
                            }
                            if (!client.isActive()) { // the client left while the target connected
                                f.channel().close();
                                return;
                            }
                            target = f.channel();
                            for (Object m; (m = waiting.poll()) != null; ) {
                                channelRead(ctx, m);
                            }
                            channelReadComplete(ctx);
                        });
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (target == null) { // a request that came with the end of the handshake waits for the target
                waiting.add(msg);
                return;
            }
            if (mode == Mode.CODEC && msg instanceof HttpRequest request) {
                request.headers().add(addedHeaders);
            } else if (mode == Mode.BYTES) {
                forwardHeads((ByteBuf) msg);
                return;
            }
            target.write(msg, target.voidPromise());
        }

        /** Writes each complete request head of {@code in} with the added headers after its request line. */
        private void forwardHeads(ByteBuf in) {
            ByteBuf buf = in;
            if (partial != null) {
                buf = Unpooled.wrappedBuffer(partial, in);
                partial = null;
            }
            while (buf.isReadable()) {
                int end = headEnd(buf);
                if (end < 0) {
                    partial = buf.retainedSlice();
                    break;
                }
                int lineEnd = buf.indexOf(buf.readerIndex(), end, (byte) '\n') + 1;
                target.write(buf.retainedSlice(buf.readerIndex(), lineEnd - buf.readerIndex()), target.voidPromise());
                target.write(added.retainedDuplicate(), target.voidPromise());
                target.write(buf.retainedSlice(lineEnd, end - lineEnd), target.voidPromise());
                buf.readerIndex(end);
            }
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (target != null) {
                target.flush();
                ctx.read();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (target != null) {
                target.close();
            }
            if (partial != null) {
                partial.release();
                partial = null;
            }
            waiting.forEach(ReferenceCountUtil::release);
            waiting.clear();
            if (added != null) {
                added.release();
                added = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The target side of one connection: relays what the target answers, flushing once per read. */
    private final class TargetSide extends ChannelInboundHandlerAdapter {
        private final Channel client;

        TargetSide(Channel client) {
            this.client = client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (mode == Mode.BYTES) {
                headEnd((ByteBuf) msg); // what finding the response head costs; the body passes as it is
            }
            client.write(msg, client.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            client.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** What a verify listener with the default {@code forward: [alb]} and header names forwards. */
    private static final MutualAuthConfig VERIFY = new MutualAuthConfig(MutualAuthConfig.MutualAuthMode.VERIFY,
            "floor", false, false, Map.of(), false, ConfigLocation.synthetic("floor"));

    /**
     * The headers Gatehouse forwards for a verified client certificate, built by the code that builds
     * Gatehouse's own, and {@code X-Forwarded-For/-Proto/-Port}.
     */
    private static List<Map.Entry<String, String>> headers(SslHandler ssl, Channel client) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
                chain.add((X509Certificate) c);
            }
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IllegalStateException("no client certificate after a handshake that requires one", e);
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>(IdentityHeaderValues.verified(VERIFY,
                ClientIdentity.of(chain, true), chain.toArray(new X509Certificate[0])));
        java.net.InetSocketAddress local = (java.net.InetSocketAddress) client.localAddress();
        java.net.InetSocketAddress remote = (java.net.InetSocketAddress) client.remoteAddress();
        headers.add(Map.entry("X-Forwarded-For", remote.getAddress().getHostAddress()));
        headers.add(Map.entry("X-Forwarded-Proto", "https"));
        headers.add(Map.entry("X-Forwarded-Port", Integer.toString(local.getPort())));
        return headers;
    }

    /** The index just past the blank line that ends the head starting at the reader index, or -1. */
    static int headEnd(ByteBuf buf) {
        int i = buf.forEachByte(buf.readerIndex(), buf.readableBytes(), new ByteProcessor() {
            private int crlfs; // 0: in a line; 1: after CR; 2: after CRLF; 3: after CRLF CR

            @Override
            public boolean process(byte b) {
                if (b == '\r') {
                    crlfs = crlfs == 2 ? 3 : 1;
                } else if (b == '\n') {
                    if (crlfs == 3) {
                        return false;
                    }
                    crlfs = crlfs == 1 ? 2 : 0;
                } else {
                    crlfs = 0;
                }
                return true;
            }
        });
        return i < 0 ? -1 : i + 1;
    }
}
