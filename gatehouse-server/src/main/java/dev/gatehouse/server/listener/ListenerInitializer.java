package dev.gatehouse.server.listener;

import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.connection.TraceIds;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.passthrough.TlsPassthrough;
import dev.gatehouse.server.observe.ListenerTelemetry;
import dev.gatehouse.server.tls.ServerTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sets up the pipeline of every accepted client connection. Reads like the way a connection goes:
 * <ol>
 *   <li>{@code signatures} (BoringSSL): refuses SHA-1 and MD5 handshake signatures in TLS 1.2;</li>
 *   <li>{@code tls}: the {@link SslHandler} of the listener's certificate; with several certificates,
 *       {@code sni} first reads the ClientHello's server name and puts in the one of the matching
 *       certificate (both bounded by the listener's {@code request_head} timeout);</li>
 *   <li>{@code handshake}: when the handshake ends, writes the connection-log line (success or the
 *       failure code), computes the connection's identity once, then</li>
 *   <li>hands the connection to the listener's HTTP stage: HTTP/2 if ALPN chose {@code h2}, else
 *       HTTP/1.1.</li>
 * </ol>
 * Plain-http listeners skip the first two steps (their connection-log line has {@code -} for every
 * TLS field). On a listener with {@code proxy_protocol: { mode: required }} all of this waits for the
 * PROXY protocol header ({@link ProxyProtocolReader}), whose address is then the client's. A
 * {@code tls_passthrough} listener's pipeline is its relay instead ({@link TlsPassthrough}).
 */
public final class ListenerInitializer extends ChannelInitializer<Channel> {
    /**
     * The largest ClientHello read before the handshake starts (Netty's default): a client streaming an
     * endless one is cut off instead of growing the gateway's memory.
     */
    static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;

    private final Function<Channel, ListenerRuntime> open;
    private final ChannelGroup clients;
    private final JudgedConnections judged;

    /**
     * @param open    the listener's runtime in the current state, for a new connection: the state is
     *                held until the connection closes (called once per connection); {@code null} when
     *                the listener was removed by a reload (the connection is closed at once)
     * @param clients every accepted connection is added here (closed on stop)
     * @param judged  where connections with a verified client certificate are registered, to be judged
     *                again (reload, expiry)
     */
    public ListenerInitializer(Function<Channel, ListenerRuntime> open, ChannelGroup clients, JudgedConnections judged) {
        this.open = open;
        this.clients = clients;
        this.judged = judged;
    }

    /**
     * Closes every connection in {@code clients} when the gateway stops ({@link HttpStage#closeAtStop}):
     * politely first (HTTP/2 GOAWAY, TLS close_notify), waiting at most {@code polite}. An HTTP/2 connection
     * would keep waiting for streams still open; whatever is open after {@code polite} is closed at once, so
     * its handlers see it end while the loops still run. Returns once all are closed, or after 2 s more.
     */
    public static void closeAll(ChannelGroup clients, Duration polite) {
        for (Channel ch : clients) {
            HttpStage.closeAtStop(ch, false);
        }
        if (clients.newCloseFuture().awaitUninterruptibly(polite.toMillis())) {
            return;
        }
        for (Channel ch : clients) {
            HttpStage.closeAtStop(ch, true);
        }
        clients.newCloseFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static SslHandler sslHandler(ServerTls policy, SslContext context, ByteBufAllocator allocator,
                                         long handshakeTimeoutMillis) {
        SslHandler h = context.newHandler(allocator);
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        policy.prepare(h.engine());
        return h;
    }

    /** The policy the connection's handshake is made under: the one its SNI selected, else the listener's own. */
    static ServerNamePolicy policyOf(Channel ch, ListenerRuntime listener) {
        ServerNamePolicy selected = ch.attr(ServerNamePolicy.KEY).get();
        return selected != null ? selected : listener.defaultPolicy();
    }

    @Override
    protected void initChannel(Channel ch) {
        long acceptedAt = System.nanoTime();
        ListenerRuntime listener = open.apply(ch);
        if (listener == null) {
            ch.close();
            return;
        }
        clients.add(ch);
        ListenerTelemetry telemetry = listener.telemetry();
        if (telemetry != null) {
            telemetry.connectionOpened();
            ch.closeFuture().addListener(f -> telemetry.connectionClosed());
        }
        String traceId = TraceIds.next();
        if (listener.proxyProtocol() != null) {
            ProxyProtocolReader.install(ch, listener, listener.proxyProtocol(), traceId,
                    () -> configure(ch, listener, traceId, acceptedAt));
        } else {
            configure(ch, listener, traceId, acceptedAt);
        }
    }

    /** The pipeline after the PROXY protocol header, if any: relay, TLS and HTTP, or plain HTTP. */
    private void configure(Channel ch, ListenerRuntime listener, String traceId, long acceptedAt) {
        ChannelPipeline p = ch.pipeline();
        if (listener.passthrough() != null) {
            TlsPassthrough.configure(p, listener.config(), listener.passthrough(), listener.connectionLog(), traceId);
        } else if (listener.tls() != null) {
            long handshakeTimeoutMillis = listener.config().timeouts().requestHead().toMillis();
            boolean byServerName = listener.serverNames() != null;
            io.netty.channel.ChannelHandler signatures = byServerName
                    ? ServerTls.signatureGuard(listener.policies().stream().map(ServerNamePolicy::tls).toList(),
                            c -> policyOf(c, listener).tls())
                    : listener.tls().signatureGuard();
            if (signatures != null) {
                p.addLast("signatures", signatures);
            }
            io.netty.channel.ChannelHandler alerts = listener.tls().handshakeAlerts();
            if (alerts != null) {
                p.addLast("alerts", alerts);
            }
            SslContext only = byServerName ? null : listener.tls().onlyContext();
            if (only != null) {
                // One certificate: nothing to choose by server name, so the TLS stack reads the ClientHello
                // itself (no parse in Java, no handler swapped in once it arrived).
                p.addLast("tls", sslHandler(listener.tls(), only, ch.alloc(), handshakeTimeoutMillis));
            } else {
                p.addLast("sni", new SniHandler(listener.sni(), MAX_CLIENT_HELLO_BYTES, handshakeTimeoutMillis) {
                    @Override
                    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                        // The server name chose the context, and with it the policy the handshake is made under.
                        ServerNamePolicy policy = listener.policyOf(context);
                        ch.attr(ServerNamePolicy.KEY).set(policy);
                        return sslHandler(policy.tls(), context, allocator, handshakeTimeoutMillis);
                    }
                });
            }
            p.addLast("handshake", new TlsHandshakeHandler(listener, traceId, acceptedAt, judged));
        } else {
            InetSocketAddress client = ConnectionInfo.clientAddress(ch);
            InetSocketAddress local = (InetSocketAddress) ch.localAddress();
            listener.connectionLog().write(ConnectionLog.Entry.withoutTls(client, local.getPort(), null, traceId,
                    listener.config().address().toString(), null));
            ConnectionInfo info = new ConnectionInfo(traceId, client, local, false, List.of(), null);
            ch.attr(ConnectionInfo.KEY).set(info);
            listener.http().configureHttp1(p, info);
        }
    }
}
