package dev.gatehouse.server.passthrough;

import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.routing.Action;
import dev.gatehouse.server.routing.SniRouter;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetGroup;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A {@code tls_passthrough} listener's connection: reads the ClientHello's server name without
 * terminating TLS (Netty's {@link AbstractSniHandler}, which holds the bytes read so far), picks the
 * target group by the listener's {@link SniRouter} and a target of it, connects (the next target when one
 * refuses: nothing was sent yet), sends a PROXY protocol v2 header first if the group says so, then hands
 * the ClientHello and everything after it to a {@link Relay} each way.
 *
 * <h2>Connection log</h2>
 * One line per connection, every TLS field {@code -} (Gatehouse does not see the handshake):
 * {@code tls_verify_status} is {@code -} once relaying starts, {@code Failed:PassthroughNoRoute} when no
 * rule matches and there is no {@code default_action}, {@code Failed:PassthroughTargetUnavailable} when no
 * target of the group could be connected, {@code Failed:UnmappedConnectionError} when no ClientHello came
 * (not TLS, over 64 KiB, the {@code request_head} timeout, or closed first).
 */
public final class TlsPassthrough extends AbstractSniHandler<Channel> {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TlsPassthrough.class);

    static final String NO_ROUTE = "PassthroughNoRoute";
    static final String TARGET_UNAVAILABLE = "PassthroughTargetUnavailable";
    static final String UNMAPPED = "UnmappedConnectionError";
    /** The largest ClientHello read for its server name, as on TLS-terminating listeners. */
    private static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;

    private final ListenerConfig listener;
    private final SniRouter router;
    private final ConnectionLog connectionLog;
    private final String traceId;
    /** Whether the connection-log line was written (exactly one per connection). */
    private boolean logged;

    private TlsPassthrough(ListenerConfig listener, SniRouter router, ConnectionLog connectionLog, String traceId) {
        super(MAX_CLIENT_HELLO_BYTES, listener.timeouts().requestHead().toMillis());
        this.listener = listener;
        this.router = router;
        this.connectionLog = connectionLog;
        this.traceId = traceId;
    }

    /** Sets up {@code p}, a new connection of a {@code tls_passthrough} listener. */
    public static void configure(ChannelPipeline p, ListenerConfig listener, SniRouter router,
                                 ConnectionLog connectionLog, String traceId) {
        p.addLast("passthrough", new TlsPassthrough(listener, router, connectionLog, traceId));
    }

    /** No route: a failed lookup with this cause. */
    private static final class NoRoute extends Exception {
        NoRoute(String serverName) {
            super("no rule matches server name " + (serverName == null ? "(none)" : serverName)
                    + " and the listener has no default_action", null, false, false);
        }
    }

    /** Not a ClientHello: what the bytes are is not known, so they go nowhere. */
    private static final class NotClientHello extends Exception {
        NotClientHello() {
            super("the connection did not start with a TLS ClientHello", null, false, false);
        }
    }

    @Override
    protected Future<Channel> lookup(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf clientHello) throws Exception {
        if (clientHello == null) {
            return ctx.executor().newFailedFuture(new NotClientHello());
        }
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<Channel> lookup(ChannelHandlerContext ctx, String serverName) {
        Action.Forward forward = router.route(serverName);
        if (forward == null) {
            return ctx.executor().newFailedFuture(new NoRoute(serverName));
        }
        TargetGroup group = forward.pick();
        Promise<Channel> connected = ctx.executor().newPromise();
        connect(ctx.channel(), group, group.pick(), group.size(), connected);
        return connected;
    }

    /** Connects to {@code target}, or to the next one of the group when it fails ({@code left} tries in all). */
    private void connect(Channel client, TargetGroup group, Target target, int left, Promise<Channel> connected) {
        target.connect(client.eventLoop(), new Relay(client)).addListener((io.netty.channel.ChannelFuture f) -> {
            if (f.isSuccess() && !client.isActive()) {
                f.channel().close();
                connected.tryFailure(new IOException("the client closed while its target was connected"));
            } else if (f.isSuccess()) {
                Channel t = f.channel();
                target.requestStarted();
                t.closeFuture().addListener(c -> target.requestFinished());
                if (group.proxyProtocol()) {
                    sendProxyHeader(client, t);
                }
                connected.trySuccess(t);
            } else if (left > 1 && client.isActive()) {
                log.debug("{}: target {} of group {} refused the relayed connection: {}; trying the next",
                        traceId, target, group.name(), f.cause().toString());
                connect(client, group, group.next(target), left - 1, connected);
            } else {
                connected.tryFailure(new IOException("no target of group " + group.name() + " could be connected"
                        + " (last: " + target + ": " + f.cause() + ")", f.cause()));
            }
        });
    }

    /** Writes a PROXY protocol v2 header naming the client and the address it connected to. */
    static void sendProxyHeader(Channel client, Channel target) {
        InetAddress source = ConnectionInfo.clientAddress(client).getAddress();
        InetSocketAddress local = (InetSocketAddress) client.localAddress();
        InetAddress destination = local.getAddress();
        boolean v4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        HAProxyMessage header = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                addressText(source, v4), addressText(destination, v4),
                ConnectionInfo.clientAddress(client).getPort(), local.getPort());
        ChannelPipeline p = target.pipeline();
        p.addFirst("proxy-protocol-encoder", HAProxyMessageEncoder.INSTANCE);
        target.write(header);
        p.remove(HAProxyMessageEncoder.INSTANCE);
    }

    /** An address as the header's family writes it: IPv4 addresses are mapped when the other one is IPv6. */
    private static String addressText(InetAddress address, boolean v4) {
        if (v4 || !(address instanceof Inet4Address)) {
            return NetUtil.toAddressString(address);
        }
        return "::ffff:" + address.getHostAddress();
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String serverName, Future<Channel> future) {
        if (!future.isSuccess()) {
            if (logged) {
                ctx.close();
                return;
            }
            Throwable cause = future.cause();
            String code = cause instanceof NoRoute ? NO_ROUTE : cause instanceof NotClientHello ? UNMAPPED
                    : TARGET_UNAVAILABLE;
            log.info("{}: listener {}: closing the connection of server name {}: {}", traceId, listener.name(),
                    serverName == null ? "(none)" : serverName, cause.getMessage());
            log(ctx, "Failed:" + code, cause.getMessage());
            ctx.close();
            return;
        }
        Channel target = future.getNow();
        log(ctx, null, null);
        if (!ctx.channel().isActive()) {
            target.close();
            return;
        }
        // The client closing ends the target connection: its Relay closes the target once it is inactive.
        long idle = listener.timeouts().idle().toMillis();
        ChannelPipeline p = ctx.pipeline();
        p.addBefore(ctx.name(), "passthrough-idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        // Replacing this handler passes the ClientHello it held, and whatever followed, to the relay.
        p.replace(this, "passthrough-relay", new Relay(target));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!logged) {
            log(ctx, "Failed:" + UNMAPPED, "the connection ended before a ClientHello");
        }
        super.channelInactive(ctx);
    }

    /**
     * What is not a ClientHello ends the connection (its line says {@code UnmappedConnectionError} when it
     * closes); no stack trace for what any scanner can send.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: listener {}: no ClientHello: {}", traceId, listener.name(), cause.toString());
        ctx.close();
    }

    private void log(ChannelHandlerContext ctx, String status, String explanation) {
        logged = true;
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        connectionLog.write(ConnectionLog.Entry.withoutTls(ConnectionInfo.clientAddress(ctx.channel()),
                local == null ? 0 : local.getPort(), status, traceId, listener.address().toString(), explanation));
    }
}
