package dev.gatehouse.server.admin;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.AdminConfig;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.tls.ServerTls;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import javax.net.ssl.SSLEngine;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener: a small HTTP/1.1 server on its own event loop (never one of the listeners'), serving
 * {@code /healthz}, {@code /readyz}, {@code /metrics}, the JSON API and the dashboard ({@link AdminHandler}).
 *
 * <h2>Life</h2>
 * It starts before the gateway ({@code /readyz} answers 503 while the listeners are being bound), is told
 * the gateway once it runs ({@link #attach}), and closes after the gateway stopped (so {@code /readyz}
 * answers 503 while the gateway drains). Its address is read at start; a reload does not move it.
 *
 * <h2>Threading</h2>
 * Requests are answered on the admin event loop; a reload, which reads files and may wait for binds, runs
 * on the admin's own worker thread.
 */
public final class AdminServer implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AdminServer.class);

    private final EventLoopGroup loop;
    private final ExecutorService worker;
    private final Channel server;
    private final AdminHandler.Shared shared;
    private final ChannelGroup connections;
    private ServerTls tls;

    private AdminServer(EventLoopGroup loop, ExecutorService worker, Channel server, AdminHandler.Shared shared,
                        ChannelGroup connections) {
        this.connections = connections;
        this.loop = loop;
        this.worker = worker;
        this.server = server;
        this.shared = shared;
    }

    /**
     * Binds the admin address and serves; every endpoint about the gateway answers 503 until {@link #attach}.
     *
     * @throws ConfigException naming {@code admin.address} when it cannot be bound
     */
    public static AdminServer start(AdminConfig config, Telemetry telemetry) throws ConfigException {
        return start(config, null, telemetry);
    }

    /**
     * As {@link #start(AdminConfig, Telemetry)}, serving HTTPS with {@code tls} (built by
     * {@link dev.gatehouse.server.RuntimeState#adminTls}, the first certificate's context; no choice by
     * server name) when it is not {@code null}. In mode verify a client without a valid certificate fails the
     * handshake ({@link AdminHandshakes} counts and logs it). The TLS material is read at start: a reload
     * does not change it.
     */
    public static AdminServer start(AdminConfig config, ServerTls tls, Telemetry telemetry) throws ConfigException {
        SslContext context = tls == null ? null : tls.sni().map(null);
        EventLoopGroup loop = Transport.NIO.eventLoops(1);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-admin");
            t.setDaemon(true);
            return t;
        });
        AdminHandler.Shared shared = new AdminHandler.Shared(telemetry, worker);
        StateMetrics.register(telemetry.registry(), shared::gateway);
        ChannelGroup connections = new DefaultChannelGroup("admin", GlobalEventExecutor.INSTANCE);
        AdminHandshakes handshakes = context == null ? null : new AdminHandshakes(telemetry.registry());
        ServerBootstrap b = new ServerBootstrap().group(loop).channel(Transport.NIO.serverChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        if (context != null) {
                            SSLEngine engine = context.newEngine(ch.alloc());
                            tls.prepare(engine);
                            ch.pipeline().addLast(new SslHandler(engine), handshakes);
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new AdminHandler(shared));
                    }
                });
        try {
            Channel ch = b.bind(new InetSocketAddress(config.address().host(), config.address().port()))
                    .syncUninterruptibly().channel();
            log.info("admin listening on {}://{}", tls == null ? "http" : "https",
                    NetUtil.toSocketAddressString((InetSocketAddress) ch.localAddress()));
            AdminServer started = new AdminServer(loop, worker, ch, shared, connections);
            started.tls = tls;
            return started;
        } catch (Exception e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            worker.shutdownNow();
            if (tls != null) {
                tls.close();
            }
            throw new ConfigException(config.addressAt(), "the admin listener cannot listen on " + config.address()
                    + ": " + e.getMessage() + " (expected: a free address on this machine)", e);
        }
    }

    /** From now on the state, rejections and reload endpoints serve {@code gateway}. */
    public void attach(Gateway gateway) {
        shared.gateway(gateway);
    }

    /** The port it is bound to (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        worker.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (tls != null) {
            tls.close();
        }
    }
}
