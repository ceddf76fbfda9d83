package dev.gatehouse.server.e2e;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerHttp2;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.LogsConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.RuleConfig;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the listener stage in tests: accepts plain TCP on 127.0.0.1 and hands each connection to
 * the HTTP stage ({@code configureHttp1}, or {@code configureHttp2} for h2c with prior knowledge), with a
 * {@link ConnectionInfo} that may carry identity headers as a verified mTLS connection would.
 */
public final class ProxyHarness implements AutoCloseable {
    public enum Protocol { HTTP1, H2C }

    private final EventLoopGroup loops;
    private final Channel server;
    /** The client connections accepted: {@link #close()} closes them before it stops the event loops. */
    private final ChannelGroup clients;
    private final HttpStage stage;
    private final TargetGroups groups;
    private final LogFile accessLog;

    private ProxyHarness(EventLoopGroup loops, Channel server, ChannelGroup clients, HttpStage stage,
                         TargetGroups groups, LogFile accessLog) {
        this.loops = loops;
        this.server = server;
        this.clients = clients;
        this.stage = stage;
        this.groups = groups;
        this.accessLog = accessLog;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public HttpStage stage() {
        return stage;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() throws Exception {
        server.close().sync();
        // The client connections still open are closed while the event loops still run, so that every handler
        // sees its connection (and each HTTP/2 stream) end and releases what it holds. Left to the loops'
        // shutdown, an HTTP/2 connection still closing after its GOAWAY was seen never to tell its handlers,
        // and the body frames its streams held were reported as leaks. Closed at once, not gracefully (a
        // graceful HTTP/2 close waits for the streams that some tests leave unanswered).
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.unsafe().close(ch.unsafe().voidPromise()));
        }
        clients.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        groups.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (accessLog != null) {
            accessLog.close();
        }
    }

    public static String traceId() {
        byte[] b = new byte[16];
        ThreadLocalRandom.current().nextBytes(b);
        return "TID_" + HexFormat.of().formatHex(b);
    }

    public static final class Builder {
        private final Map<String, TargetGroupConfig> groups = new LinkedHashMap<>();
        private final List<RuleConfig> rules = new ArrayList<>();
        private final List<ListenerConfig> otherListeners = new ArrayList<>();
        private ActionConfig defaultAction;
        private ListenerTimeouts timeouts = ListenerTimeouts.DEFAULTS;
        private ListenerHttp2 http2 = ListenerHttp2.DEFAULTS;
        private MutualAuthConfig mtls = MutualAuthConfig.off(ConfigLocation.synthetic("listeners[0]"));
        private List<Map.Entry<String, String>> identityHeaders = List.of();
        private String clientSubject;
        private Protocol protocol = Protocol.HTTP1;
        private Path accessLog;
        private int loopCount = 2;

        public Builder group(String name, TargetGroupConfig.LoadBalancing lb, Duration connect, Duration response,
                             int... ports) {
            return group(name, lb, new TargetGroupConfig.TargetTimeouts(connect, response), ports);
        }

        public Builder group(String name, TargetGroupConfig.LoadBalancing lb, TargetGroupConfig.TargetTimeouts timeouts,
                             int... ports) {
            List<TargetAddress> targets = new ArrayList<>();
            for (int p : ports) {
                targets.add(TargetAddress.of("127.0.0.1", p));
            }
            groups.put(name, new TargetGroupConfig(name, TargetGroupConfig.TargetProtocol.HTTP, targets, lb, null, null,
                    timeouts, ConfigLocation.synthetic("target_groups." + name)));
            return this;
        }

        public Builder group(String name, int... ports) {
            return group(name, TargetGroupConfig.LoadBalancing.ROUND_ROBIN, Duration.ofSeconds(2), Duration.ofSeconds(10),
                    ports);
        }

        public Builder defaultAction(ActionConfig action) {
            this.defaultAction = action;
            return this;
        }

        public Builder rule(int priority, RuleConfig.Conditions when, ActionConfig then) {
            rules.add(new RuleConfig(priority, when, then, ConfigLocation.synthetic("rules")));
            return this;
        }

        public Builder timeouts(Duration idle, Duration requestHead) {
            this.timeouts = new ListenerTimeouts(idle, requestHead, timeouts.requestBody());
            return this;
        }

        public Builder requestBodyTimeout(Duration requestBody) {
            this.timeouts = new ListenerTimeouts(timeouts.idle(), timeouts.requestHead(), requestBody);
            return this;
        }

        public Builder http2(ListenerHttp2 http2) {
            this.http2 = http2;
            return this;
        }

        public Builder mutualAuth(MutualAuthConfig mtls) {
            this.mtls = mtls;
            return this;
        }

        /** Another listener in the same configuration (its header renames are stripped too). */
        public Builder otherListener(ListenerConfig l) {
            otherListeners.add(l);
            return this;
        }

        /** What the listener stage would have computed for a verified client. */
        public Builder identity(List<Map.Entry<String, String>> headers, String subject) {
            this.identityHeaders = headers;
            this.clientSubject = subject;
            return this;
        }

        public Builder protocol(Protocol p) {
            this.protocol = p;
            return this;
        }

        public Builder accessLog(Path p) {
            this.accessLog = p;
            return this;
        }

        public Builder eventLoops(int n) {
            this.loopCount = n;
            return this;
        }

        public ProxyHarness start() throws Exception {
            ListenerConfig listener = new ListenerConfig("test", TargetAddress.of("127.0.0.1", 0),
                    ListenerConfig.ListenerProtocol.HTTP, null, mtls, rules, defaultAction, timeouts, http2,
                    ConfigLocation.synthetic("listeners[0]"));
            List<ListenerConfig> listeners = new ArrayList<>();
            listeners.add(listener);
            listeners.addAll(otherListeners);
            GatewayConfig config = new GatewayConfig(null, "test-gateway", listeners, Map.of(), groups,
                    LogsConfig.NONE, Duration.ofSeconds(5));
            EventLoopGroup loops = new MultiThreadIoEventLoopGroup(loopCount, NioIoHandler.newFactory());
            TargetGroups tg = TargetGroups.create(config.targetGroups(), loops);
            LogFile log = accessLog == null ? null : LogFile.open(accessLog);
            HttpStage stage = HttpStage.create(config, listener, tg, log);
            Protocol proto = protocol;
            List<Map.Entry<String, String>> identity = identityHeaders;
            String subject = clientSubject;
            ChannelGroup clients = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
            Channel server = new ServerBootstrap()
                    .group(loops)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ConnectionInfo info = new ConnectionInfo(traceId(), ch.remoteAddress(), ch.localAddress(),
                                    false, identity, subject);
                            ch.attr(ConnectionInfo.KEY).set(info);
                            clients.add(ch);
                            if (proto == Protocol.H2C) {
                                stage.configureHttp2(ch.pipeline(), info);
                            } else {
                                stage.configureHttp1(ch.pipeline(), info);
                            }
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            return new ProxyHarness(loops, server, clients, stage, tg, log);
        }
    }
}
