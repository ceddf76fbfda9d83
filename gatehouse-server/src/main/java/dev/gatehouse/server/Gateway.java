package dev.gatehouse.server;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.listener.ListenerInitializer;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: its listeners bound, serving the current {@link RuntimeState}.
 *
 * <h2>Starting</h2>
 * {@link #start} builds the runtime state (loading every certificate, key, trust store and CRL), then
 * binds every listener. Any failure closes whatever was opened and throws: there is never a
 * half-started gateway.
 *
 * <h2>Stopping</h2>
 * {@link #stop} stops accepting, lets in-flight requests finish (bounded by the grace period), then
 * closes the remaining connections, the target pools and the logs.
 *
 * <h2>Threading</h2>
 * One group of event loops (one per core) accepts and serves client connections; target connections
 * run on the event loop of the client connection they serve. Handlers read the state through one
 * {@link AtomicReference}: a new state (reload) affects new connections only.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final EventLoopGroup eventLoops;
    private final AtomicReference<RuntimeState> state;
    private final Map<String, Channel> serverChannels;
    private final ChannelGroup clients;
    private final LogFile accessLog;
    private final LogFile connectionLog;
    private volatile boolean stopped;

    private Gateway(GatewayConfig config, EventLoopGroup eventLoops, AtomicReference<RuntimeState> state,
                    Map<String, Channel> serverChannels, ChannelGroup clients, LogFile accessLog, LogFile connectionLog) {
        this.config = config;
        this.eventLoops = eventLoops;
        this.state = state;
        this.serverChannels = serverChannels;
        this.clients = clients;
        this.accessLog = accessLog;
        this.connectionLog = connectionLog;
    }

    /**
     * Builds the runtime state and binds every listener.
     *
     * @throws ConfigException a file cannot be loaded, a key does not match, an address cannot be bound;
     *                         nothing is left listening
     */
    public static Gateway start(GatewayConfig config) throws ConfigException {
        int threads = Integer.getInteger("gatehouse.eventLoops", Runtime.getRuntime().availableProcessors());
        Transport transport = Transport.best();
        EventLoopGroup loops = transport.eventLoops(threads);
        ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        LogFile access = null;
        LogFile connections = null;
        RuntimeState built = null;
        Map<String, Channel> bound = new LinkedHashMap<>();
        try {
            checkLogs(config);
            access = openLog(config.logs().access(), config.logs().accessAt());
            connections = openLog(config.logs().connection(), config.logs().connectionAt());
            built = RuntimeState.build(config, loops, access, connections);
            AtomicReference<RuntimeState> state = new AtomicReference<>(built);
            for (ListenerConfig l : config.listeners()) {
                String name = l.name();
                ServerBootstrap b = new ServerBootstrap()
                        .group(loops)
                        .channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        // Netty's defaults: TCP_NODELAY on (set when the channel is made; setting it here
                        // again cost a system call per connection) and its adaptive buffer allocator, which
                        // target connections use too.
                        .childHandler(new ListenerInitializer(() -> state.get().listener(name), clients));
                InetSocketAddress address = new InetSocketAddress(l.address().host(), l.address().port());
                try {
                    Channel ch = b.bind(address).syncUninterruptibly().channel();
                    bound.put(name, ch);
                } catch (Exception e) {
                    throw new ConfigException(l.addressAt(), "listener '" + name + "' cannot listen on " + l.address()
                            + ": " + bindProblem(e, l.address().port()), e);
                }
            }
            // Only now, with every listener bound: a start that fails on a later one announces none.
            for (ListenerConfig l : config.listeners()) {
                log.info("listener {} on {} ({}{})", l.name(), bound.get(l.name()).localAddress(),
                        l.protocol().name().toLowerCase(java.util.Locale.ROOT),
                        l.tls() == null ? "" : ", mutual authentication " + l.mutualAuthentication().mode()
                                .name().toLowerCase(java.util.Locale.ROOT));
            }
            built.activate();
            return new Gateway(config, loops, state, Map.copyOf(bound), clients, access, connections);
        } catch (ConfigException | RuntimeException e) {
            for (Channel ch : bound.values()) {
                ch.close().syncUninterruptibly();
            }
            if (built != null) {
                built.close();
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            closeQuietly(access);
            closeQuietly(connections);
            throw e;
        }
    }

    /**
     * Loads every file {@code config} names and builds a runtime state from it, then discards it: what
     * {@link #start} would do short of binding addresses and opening logs. For {@code gatehouse validate}.
     */
    public static void check(GatewayConfig config) throws ConfigException {
        checkLogs(config);
        EventLoopGroup loops = Transport.NIO.eventLoops(1);
        try {
            RuntimeState.build(config, loops, null, null).close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Opens a configured log file (checked by {@link #checkLogs}), or fails naming its key. */
    private static LogFile openLog(java.nio.file.Path path, ConfigLocation at) throws ConfigException {
        if (path == null) {
            return null;
        }
        try {
            return LogFile.open(path);
        } catch (IOException e) {
            throw new ConfigException(at, "cannot open " + path + ": " + e.getMessage()
                    + " (expected: a log file Gatehouse can append to)", e);
        }
    }

    /**
     * Whether {@link LogFile#open} would open every log file of {@code config}, checked before any is
     * opened; creates nothing. {@code validate} and {@code serve} both call it.
     */
    private static void checkLogs(GatewayConfig config) throws ConfigException {
        checkLog(config.logs().access(), config.logs().accessAt());
        checkLog(config.logs().connection(), config.logs().connectionAt());
    }

    private static void checkLog(java.nio.file.Path path, ConfigLocation at) throws ConfigException {
        String problem = path == null ? null : LogFile.problem(path);
        if (problem != null) {
            throw new ConfigException(at, problem);
        }
    }

    /** What a failed bind means and what to do about it, for the usual causes; else the error's own words. */
    private static String bindProblem(Throwable e, int port) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("Address already in use")) {
            return "the address is already in use (expected: a free address; stop what listens on port " + port
                    + " or choose another port)";
        }
        if (m.contains("Permission denied")) {
            return "permission denied (expected: a port above 1023, or run with the CAP_NET_BIND_SERVICE capability)";
        }
        if (m.contains("Cannot assign requested address")) {
            return "no network interface of this host has that address (expected: one of this host's addresses,"
                    + " or 0.0.0.0 for all)";
        }
        return m;
    }

    /** The port a listener is bound to (useful with port 0). */
    public int boundPort(String listener) {
        Channel ch = serverChannels.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("no listener named '" + listener + "' (expected one of: "
                    + serverChannels.keySet() + ")");
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** The state serving new connections. */
    public RuntimeState state() {
        return state.get();
    }

    public GatewayConfig config() {
        return config;
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish for at most {@code grace}, then close
     * every connection, the target pools and the logs. Idempotent.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Channel ch : serverChannels.values()) {
            ch.close().syncUninterruptibly();
        }
        RuntimeState current = state.get();
        for (ListenerRuntime l : current.listeners().values()) {
            l.http().drain();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline && inFlight(current) > 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = inFlight(current);
        if (left > 0) {
            log.warn("stopping with {} requests still in flight after {}", left, grace);
        }
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        current.close();
        eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        closeQuietly(accessLog);
        closeQuietly(connectionLog);
        log.info("stopped");
    }

    private static int inFlight(RuntimeState s) {
        int n = 0;
        for (ListenerRuntime l : s.listeners().values()) {
            n += l.http().inFlight();
        }
        return n;
    }

    /** {@link #stop} with the configured {@code shutdown_timeout}. */
    @Override
    public void close() {
        stop(config.shutdownTimeout());
    }

    private static void closeQuietly(LogFile f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException e) {
                log.warn("cannot close {}: {}", f.path(), e.toString());
            }
        }
    }
}
