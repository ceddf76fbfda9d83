package dev.gatehouse.server;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.listener.JudgedConnections;
import dev.gatehouse.server.listener.ListenerInitializer;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.observe.Readiness;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.reload.FileWatcher;
import dev.gatehouse.server.reload.ReloadHistory;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.reload.WatchedFiles;
import dev.gatehouse.server.transport.CpuAffinity;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <h2>Reloading</h2>
 * {@link #reload()} builds a complete new state off the event loops and swaps it in only if it built and
 * every new or moved address could be bound; else the old state serves on and the error is logged. Open
 * connections finish on their own state, which closes with its last connection. Removed and moved
 * listeners drain; connections with a verified client certificate are judged again
 * ({@link JudgedConnections}).
 *
 * <h2>Stopping</h2>
 * {@link #stop} stops accepting, lets in-flight requests finish (bounded by the grace period), then
 * closes the remaining connections, the target pools and, once the event loops have ended, the logs: the
 * lines of what it cut off are in them ({@link LiveStates}).
 *
 * <h2>Threading</h2>
 * One group of event loops (one per core) accepts and serves client connections; target connections
 * run on the event loop of the client connection they serve. Handlers read the state through one
 * {@link AtomicReference}. Reloads are serialised (one at a time); {@link #requestReload} runs them
 * on the gateway's reload thread, which also judges connections again.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final Path source;
    private final EventLoopGroup eventLoops;
    private final Transport transport;
    private final AtomicReference<RuntimeState> state = new AtomicReference<>();
    /** Bound listeners by name; changed only by start and reload (under this object's lock). */
    private final Map<String, Bound> serverChannels = new ConcurrentHashMap<>();
    private final ChannelGroup clients;
    /** States built and not yet closed (the current one, older ones with connections), and their logs. */
    private final LiveStates live;
    private final ThreadPoolExecutor reloads;
    private final AtomicBoolean reloadQueued = new AtomicBoolean();
    private final JudgedConnections judged;
    private volatile GatewayConfig config;
    private final ReloadHistory reloadHistory = new ReloadHistory();
    private final Telemetry telemetry;
    /** Under this object's lock; published through {@link #reloadHistory}. */
    private long generation;
    private FileWatcher watcher;
    private volatile boolean stopped;


    private Gateway(GatewayConfig config, EventLoopGroup eventLoops, Transport transport, Telemetry telemetry) {
        this.telemetry = telemetry;
        this.source = config.source();
        this.config = config;
        this.eventLoops = eventLoops;
        this.transport = transport;
        this.clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        this.reloads = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "gatehouse-reload");
            t.setDaemon(true);
            return t;
        });
        this.live = new LiveStates(eventLoops, telemetry, reloads);
        this.judged = new JudgedConnections(name -> {
            RuntimeState s = state.get();
            return s == null ? null : s.listener(name);
        }, reloads);
    }

    /**
     * Builds the runtime state and binds every listener.
     *
     * @throws ConfigException a file cannot be loaded, a key does not match, an address cannot be bound;
     *                         nothing is left listening
     */
    public static Gateway start(GatewayConfig config) throws ConfigException {
        return start(config, new Telemetry());
    }

    /** {@link #start(GatewayConfig)}, reporting metrics, rejections and readiness to {@code telemetry}. */
    public static Gateway start(GatewayConfig config, Telemetry telemetry) throws ConfigException {
        int threads = Integer.getInteger("gatehouse.eventLoops", Runtime.getRuntime().availableProcessors());
        CpuAffinity affinity = CpuAffinity.fromProperty();
        EventLoopGroup loops = Transport.eventLoopsOfThisProcess(threads);
        Transport transport = Transport.of(loops.next());
        String reads = transport.reads();
        log.info("{} event loops on {}{}, {}", threads, transport, reads.isEmpty() ? "" : ", " + reads,
                affinity.pin(loops));
        Gateway g = new Gateway(config, loops, transport, telemetry);
        RuntimeState built = null;
        try {
            built = g.live.build(config);
            g.state.set(built);
            for (ListenerConfig l : config.listeners()) {
                g.serverChannels.put(l.name(), g.bind(l));
            }
            // Only now, with every listener bound: a start that fails on a later one announces none.
            for (ListenerConfig l : config.listeners()) {
                Bound b = g.serverChannels.get(l.name());
                b.server().config().setAutoRead(true);
                b.logListening(l);
            }
            synchronized (g) {
                g.generation = 1;
                built.generation(1);
                g.reloadHistory.started(ReloadResult.succeeded(1));
                g.watchFiles(config);
            }
            built.activate();
            telemetry.readiness(Readiness.SERVING);
            return g;
        } catch (ConfigException | RuntimeException e) {
            for (Bound b : g.serverChannels.values()) {
                b.server().close().syncUninterruptibly();
            }
            g.live.stopping();
            if (built != null) {
                built.close();
            }
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            g.reloads.shutdownNow();
            g.live.closeLogs();
            throw e;
        }
    }

    /**
     * Loads every file {@code config} names and builds a runtime state from it, then discards it: what
     * {@link #start} would do short of binding addresses and opening logs. For {@code gatehouse validate}.
     */
    public static void check(GatewayConfig config) throws ConfigException {
        LogPaths.check(config);
        EventLoopGroup loops = Transport.NIO.eventLoops(1);
        try {
            RuntimeState.build(config, loops, null, null).close();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds one listener's address, not accepting yet (auto-read off: connections wait in the backlog
     * until the caller turns it on, once the state that serves them is current).
     */
    private Bound bind(ListenerConfig l) throws ConfigException {
        String name = l.name();
        Bound bound = new Bound(l.address(), name);
        ServerBootstrap b = transport.connectionOptions(new ServerBootstrap())
                .group(eventLoops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
                // Netty's defaults: TCP_NODELAY on (set when the channel is made; setting it here
                // again cost a system call per connection) and its adaptive buffer allocator, which
                // target connections use too.
                .childHandler(new ListenerInitializer(ch -> open(bound, ch), clients, judged));
        InetSocketAddress address = new InetSocketAddress(l.address().host(), l.address().port());
        Channel ch;
        try {
            ch = b.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new ConfigException(l.addressAt(), "listener '" + name + "' cannot listen on " + l.address()
                    + ": " + Bound.bindProblem(e, l.address().port()), e);
        }
        bound.server = ch;
        return bound;
    }


    /**
     * A new connection on {@code bound}: holds the current state until the connection closes
     * ({@link StateHold}). {@code null} when the state has no such listener any more (removed by a reload
     * that is closing its server channel) or the gateway stops.
     */
    private ListenerRuntime open(Bound bound, Channel ch) {
        RuntimeState s;
        while (true) {
            s = state.get();
            if (s.tryRetain()) {
                break;
            }
            if (stopped) {
                return null;
            }
        }
        // The names are read after the state: a rename is published before the state that has the new
        // name, so one of the two names is the listener's in whichever state was read.
        Bound.Names names = bound.names;
        ListenerRuntime l = s.listener(names.current());
        if (l == null && names.former() != null) {
            l = s.listener(names.former());
        }
        if (l == null) {
            s.release();
            return null;
        }
        ch.pipeline().addFirst("state", new StateHold(s));
        bound.connections().add(ch);
        if (l.passthrough() != null) {
            s.trackRelay(ch);
        }
        return l;
    }

    /**
     * Reads the configuration file again and, if it builds completely, serves it (see "Reloading").
     * Blocks until done; never call it on an event loop. Never throws for a bad configuration: the
     * result says what was wrong, and the error is logged.
     */
    public ReloadResult reload() {
        ReloadResult result;
        synchronized (this) {
            if (stopped) {
                return ReloadResult.failed(generation, "the gateway is stopping");
            }
            if (source == null) {
                return ReloadResult.failed(generation, "no configuration file to read again"
                        + " (the configuration was not read from a file)");
            }
            result = swapIn();
            reloadHistory.record(result);
        }
        if (result.success()) {
            int closing = judged.judgeAll();
            if (closing > 0) {
                log.info("reload: {} open connections whose client certificate is no longer accepted are closing", closing);
            }
        }
        return result;
    }

    private ReloadResult swapIn() {
        GatewayConfig next;
        RuntimeState built = null;
        Map<String, Bound> newlyBound = new LinkedHashMap<>();
        Map<String, Bound> renamed = new LinkedHashMap<>();
        try {
            next = ConfigParser.parse(source);
            built = live.build(next);
            for (ListenerConfig l : next.listeners()) {
                Bound b = serverChannels.get(l.name());
                if (b != null && b.address().equals(l.address())) {
                    continue;
                }
                Bound same = boundAndLeaving(l.address(), built, renamed);
                if (same != null) {
                    renamed.put(l.name(), same); // renamed: the address stays bound
                } else {
                    newlyBound.put(l.name(), bind(l));
                }
            }
        } catch (ConfigException | RuntimeException e) {
            for (Bound b : newlyBound.values()) {
                b.server().close().syncUninterruptibly();
            }
            if (built != null) {
                built.close();
            }
            String error = e instanceof ConfigException ? e.getMessage() : e.toString();
            log.error("reload failed; still serving configuration generation {}: {}", generation, error);
            return ReloadResult.failed(generation, error);
        }
        long nextGeneration = generation + 1;
        built.generation(nextGeneration);
        built.targetGroups().inheritHealth(state.get().targetGroups());
        for (Map.Entry<String, Bound> e : renamed.entrySet()) {
            Bound b = e.getValue();
            b.names = new Bound.Names(e.getKey(), b.names.current());
        }
        RuntimeState old = state.getAndSet(built);
        built.activate();
        for (ListenerRuntime l : old.listeners().values()) {
            l.retire();
        }
        if (next.drainTimeout() != null) {
            old.endAfter(next.drainTimeout(), next.shutdownTimeout(), eventLoops);
        }
        for (Map.Entry<String, Bound> e : new ArrayList<>(serverChannels.entrySet())) {
            String name = e.getKey();
            Bound gone = e.getValue();
            Bound moved = newlyBound.get(name);
            if (renamed.containsValue(gone)) {
                serverChannels.remove(name);
                log.info("listener {} renamed {} on {}", name, gone.names.current(), gone.server().localAddress());
                continue;
            }
            if (moved == null && built.listener(name) != null) {
                continue;
            }
            serverChannels.remove(name);
            gone.server().close().syncUninterruptibly();
            String why = moved == null ? "listener " + name + " removed by a reload"
                    : "listener " + name + " moved to " + moved.address() + " by a reload";
            log.info("{}: no longer accepting on {}; its {} open connections drain", why, gone.server().localAddress(),
                    gone.connections().size());
            for (Channel ch : gone.connections()) {
                HttpStage.closeGracefully(ch, why);
            }
        }
        serverChannels.putAll(renamed);
        for (ListenerConfig l : next.listeners()) {
            Bound b = newlyBound.get(l.name());
            if (b != null) {
                serverChannels.put(l.name(), b);
                b.server().config().setAutoRead(true);
                b.logListening(l);
            }
        }
        config = next;
        old.release();
        watchFiles(next);
        // Published last (with the result): whoever sees the new generation sees every listener change done.
        generation = nextGeneration;
        log.info("reloaded {}: configuration generation {} serves new connections", source, generation);
        return ReloadResult.succeeded(generation);
    }

    /**
     * The bound address {@code address} if its listener is not in {@code next} (so a listener of another
     * name can take it over: a rename), else {@code null}.
     */
    private Bound boundAndLeaving(TargetAddress address, RuntimeState next, Map<String, Bound> taken) {
        for (Map.Entry<String, Bound> e : serverChannels.entrySet()) {
            Bound b = e.getValue();
            if (b.address().equals(address) && next.listener(e.getKey()) == null && !taken.containsValue(b)) {
                return b;
            }
        }
        return null;
    }

    /** Starts, updates or stops the file watcher as {@code c} says. Under this object's lock. */
    private void watchFiles(GatewayConfig c) {
        if (c.watchFiles() && source != null) {
            List<Path> files = WatchedFiles.of(c);
            if (watcher == null) {
                watcher = new FileWatcher(files, () -> requestReload("a watched file changed"));
            } else {
                watcher.watch(files);
            }
        } else if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    /**
     * Reloads on the gateway's reload thread, soon; returns at once. Requests that arrive while one is
     * waiting to run are folded into it. The result is logged. Any thread (a signal handler, the file
     * watcher).
     *
     * @param why for the log, e.g. {@code SIGHUP}
     */
    public void requestReload(String why) {
        if (!reloadQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            reloads.execute(() -> {
                reloadQueued.set(false);
                log.info("reloading: {}", why);
                reload();
            });
        } catch (RejectedExecutionException e) {
            reloadQueued.set(false); // stopping
        }
    }

    /** Reopens every log file (after logrotate renamed them): lines written from now on go to fresh files. */
    public void reopenLogs() {
        log.info("reopened {} log files", live.reopenLogs());
    }

    /** The port a listener is bound to (useful with port 0). */
    public int boundPort(String listener) {
        InetSocketAddress address = boundAddress(listener);
        if (address == null) {
            throw new IllegalArgumentException("no listener named '" + listener + "' (expected one of: "
                    + serverChannels.keySet() + ")");
        }
        return address.getPort();
    }

    /**
     * The address a listener is bound to (with port 0 configured, the port chosen), or {@code null} for a
     * listener that is not bound (yet, or any more).
     */
    public InetSocketAddress boundAddress(String listener) {
        Bound b = serverChannels.get(listener);
        return b == null ? null : (InetSocketAddress) b.server().localAddress();
    }

    /** The state serving new connections. */
    public RuntimeState state() {
        return state.get();
    }

    /** The configuration serving new connections. */
    public GatewayConfig config() {
        return config;
    }

    /** The configuration generation serving new connections: 1 at start, one more per successful reload. */
    public long generation() {
        return reloadHistory.last().generation();
    }

    /** The outcome of the last reload (at start: generation 1, successful). */
    public ReloadResult lastReload() {
        return reloadHistory.last();
    }

    /** Reloads since start that succeeded ({@code true}) or failed ({@code false}). */
    public long reloads(boolean succeeded) {
        return reloadHistory.count(succeeded);
    }

    public ReloadHistory reloadHistory() {
        return reloadHistory;
    }

    /** Where this gateway reports metrics, rejections and readiness. */
    public Telemetry telemetry() {
        return telemetry;
    }

    /** Runtime states not closed yet: the current one, and older ones some connection still uses. */
    public int liveStates() {
        return live.size();
    }

    /** Log files open now. */
    public int openLogFiles() {
        return live.openLogFiles();
    }

    /** Open connections whose client certificate is judged again on reloads and at its expiry. */
    public int judgedConnections() {
        return judged.size();
    }

    /** Open connections closed so far because their client certificate was no longer accepted. */
    public long connectionsClosedByJudging() {
        return judged.closedSoFar();
    }

    /** The files whose change reloads the gateway (empty when {@code reload.watch_files} is false). */
    public synchronized List<Path> watchedFiles() {
        return watcher == null ? List.of() : watcher.files();
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests finish for at most {@code grace}, then close
     * every connection, the target pools and the logs. Idempotent.
     */
    public void stop(Duration grace) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            live.stopping();
            telemetry.readiness(Readiness.DRAINING);
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
        }
        // An interrupt does not cut the sequence short (the logs would lose what it cut off): it is kept for
        // the caller, once the gateway has stopped.
        boolean interrupted = Thread.interrupted();
        reloads.shutdownNow();
        for (Bound b : serverChannels.values()) {
            b.server().close().syncUninterruptibly();
        }
        for (RuntimeState s : live.snapshot()) {
            for (ListenerRuntime l : s.listeners().values()) {
                l.drain();
            }
        }
        interrupted |= live.awaitNoneInFlight(grace);
        int left = live.inFlight();
        if (left > 0) {
            log.warn("stopping with {} requests still in flight after {}", left, grace);
        }
        ListenerInitializer.closeAll(clients, Duration.ofSeconds(3)); // > an HTTP/1.1 lingering close
        // the requests cut off end, and are logged, on their loops
        interrupted |= live.awaitNoneInFlight(Duration.ofSeconds(2));
        for (RuntimeState s : live.snapshot()) {
            s.close();
        }
        eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        interrupted |= Thread.interrupted();
        try {
            // a log file the reload thread was closing when the stop began: closed (flushed) before we return
            reloads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        live.closeLogs();
        log.info("stopped");
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop} with the configured {@code shutdown_timeout}. */
    @Override
    public void close() {
        stop(config.shutdownTimeout());
    }
}
