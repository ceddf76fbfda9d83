package dev.gatehouse.server;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.observe.LogFiles;
import dev.gatehouse.server.observe.Telemetry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The states a gateway has built and not yet closed (the current one, and older ones that still have
 * connections), the log files they share, and what their connections still have to do before a log file
 * may close.
 *
 * <h2>Last lines</h2>
 * A connection's handlers see its close a task or two after the close that released its state, and write
 * the lines of what it ended then: the connection-log line of a connection still in its handshake, the
 * access-log lines of the requests it cut off. So a connection holds its state until it is unregistered
 * ({@link StateHold}: after its handlers saw the close); a state that closes gives its log files back only
 * once its requests in flight have ended (each writes its line before it stops counting, HTTP/2 streams
 * included) and every event loop has twice run what was queued on it before (waited for on the event
 * loops, holding no thread); and once the gateway {@link #stopping stops}, closed states leave their files
 * to {@link #closeLogs}, which the stop calls after the event loops have ended.
 *
 * <p>Thread-safe.
 */
final class LiveStates {
    private static final Logger log = LoggerFactory.getLogger(LiveStates.class);
    /** How long a closed state's log files stay open for the lines of its last connections, at most. */
    static final Duration LAST_LINES_WAIT = Duration.ofSeconds(5);

    private final Set<RuntimeState> live = ConcurrentHashMap.newKeySet();
    private final LogFiles logs = new LogFiles();
    private final EventLoopGroup loops;
    private final Telemetry telemetry;
    /** Where a closed state's log files are given back (the reload thread): never an event loop. */
    private final Executor offLoop;
    private volatile boolean stopping;

    LiveStates(EventLoopGroup loops, Telemetry telemetry, Executor offLoop) {
        this.loops = loops;
        this.telemetry = telemetry;
        this.offLoop = offLoop;
    }

    /** Opens the logs {@code config} names and builds a state that gives them back after its last lines. */
    RuntimeState build(GatewayConfig config) throws ConfigException {
        LogFile access = null;
        LogFile connections = null;
        try {
            LogPaths.check(config);
            access = LogPaths.open(logs, config.logs().access(), config.logs().accessAt());
            connections = LogPaths.open(logs, config.logs().connection(), config.logs().connectionAt());
            RuntimeState built = RuntimeState.build(config, loops, access, connections, telemetry);
            LogFile a = access;
            LogFile c = connections;
            live.add(built);
            built.whenClosed(() -> {
                live.remove(built);
                if (!stopping) {
                    afterLastLines(built, System.nanoTime() + LAST_LINES_WAIT.toNanos(), () -> release(a, c));
                }
            });
            return built;
        } catch (ConfigException | RuntimeException e) {
            logs.release(access);
            logs.release(connections);
            throw e;
        }
    }

    /**
     * Runs {@code then} once the closed state's requests in flight have ended (or {@link #LAST_LINES_WAIT}
     * has passed: then with a warning) and every event loop has twice run what was queued on it before (see
     * "Last lines"). Never blocks a thread: it looks again on an event loop's timer. Gives up when the
     * gateway stops ({@link #closeLogs} closes the files then).
     */
    private void afterLastLines(RuntimeState closed, long deadline, Runnable then) {
        if (stopping) {
            return;
        }
        if (closed.inFlight() > 0) {
            if (System.nanoTime() - deadline < 0) {
                try {
                    loops.next().schedule(() -> afterLastLines(closed, deadline, then), 5, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // the loops shut down: the gateway stops
                }
                return;
            }
            log.warn("configuration generation {}: closing its log files with {} requests still in flight after {}",
                    closed.generation(), closed.inFlight(), LAST_LINES_WAIT);
        }
        afterPasses(2, then);
    }

    /** Runs {@code then} once every event loop has run, {@code passes} times over, what was queued on it. */
    private void afterPasses(int passes, Runnable then) {
        if (stopping) {
            return;
        }
        if (passes == 0) {
            then.run();
            return;
        }
        List<EventExecutor> all = new ArrayList<>();
        loops.forEach(all::add);
        AtomicInteger left = new AtomicInteger(all.size());
        try {
            for (EventExecutor loop : all) {
                loop.execute(() -> {
                    if (left.decrementAndGet() == 0) {
                        afterPasses(passes - 1, then);
                    }
                });
            }
        } catch (RejectedExecutionException e) {
            // the loops shut down: the gateway stops
        }
    }

    /** Gives the files back on the reload thread: closing a log file waits for its writer. */
    private void release(LogFile access, LogFile connections) {
        try {
            offLoop.execute(() -> {
                if (!stopping) {
                    logs.release(access);
                    logs.release(connections);
                }
            });
        } catch (RejectedExecutionException e) {
            // the gateway stops: closeLogs() closes the files
        }
    }

    /** The gateway stops: from now on, closed states leave their log files to {@link #closeLogs}. */
    void stopping() {
        stopping = true;
    }

    /** The states not yet closed, now. */
    List<RuntimeState> snapshot() {
        return new ArrayList<>(live);
    }

    int size() {
        return live.size();
    }

    /** Requests in flight over every state. */
    int inFlight() {
        int n = 0;
        for (RuntimeState s : live) {
            n += s.inFlight();
        }
        return n;
    }

    /** Waits at most {@code limit} for no request in flight, through interrupts; returns whether one came. */
    boolean awaitNoneInFlight(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        while (System.nanoTime() < deadline && inFlight() > 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    /** Log files open now. */
    int openLogFiles() {
        return logs.snapshot().size();
    }

    /** Reopens every log file (after logrotate renamed them); returns how many. */
    int reopenLogs() {
        int n = logs.snapshot().size();
        logs.reopenAll();
        return n;
    }

    /** Closes every log file, whoever still uses it: the gateway stops, and its event loops have ended. */
    void closeLogs() {
        logs.close();
    }
}
