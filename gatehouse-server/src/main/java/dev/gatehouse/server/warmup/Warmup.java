package dev.gatehouse.server.warmup;

import dev.gatehouse.pki.Pem;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.RuntimeState;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.LogsConfig;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.transport.Transport;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.OpenSsl;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms a freshly started JVM before the configured listeners bind: a throwaway gateway on loopback
 * (its own PKI, target, logs and metrics, all discarded afterwards; nothing of it reaches the real
 * gateway's logs, metrics or rejections) is driven with the kinds of connection real clients make, until
 * the JIT compilers have settled or the budget is spent.
 *
 * <p>The first round begins with keep-alive connections alone ({@link #KEEP_ALIVE_FIRST_SHARE}). Then the
 * mix, per round of each of {@value #WORKERS} concurrent workers: devices never seen (leaf and
 * intermediate), returning clients with a full handshake, returning clients on a listener with session
 * resumption on, a keep-alive connection with {@value #KEEP_ALIVE_REQUESTS} requests, an HTTP/2 connection
 * with as many streams, a TCP connection closed before TLS (a health check) and a client the gateway does
 * not trust. Real traffic has all of
 * them; a kind the warm-up never made would, at its first occurrence, send compiled code back to the
 * interpreter and the compilers back to work.
 *
 * <p>"Settled": in each of the last two seconds the JIT compilers spent under {@value #SETTLED_MS} ms,
 * after at least {@value #MIN_CONNECTIONS} connections served in full. On a 2-core machine that takes 30 to 45 s with the
 * JVM options of {@code bin/gatehouse}.
 */
public final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    /**
     * Few workers on purpose: the compilers need the CPU more than the load does. On 2 cores, 2 workers
     * settled the JIT in 46 s where 4 took 66 s and 16 more than 54 s.
     */
    static final int WORKERS = 2;
    static final int KEEP_ALIVE_REQUESTS = 20;
    static final long SETTLED_MS = 25;
    static final int MIN_CONNECTIONS = 3_000;
    /**
     * The first round begins with keep-alive connections alone, for this fraction of the budget (10 s of the
     * default 40): the request path's methods (TLS records, HTTP codecs, the pipeline), shared by every kind
     * of connection, are then compiled from the profile of the traffic that runs them most. Compiled amid
     * handshakes from the start, they cost keep-alive requests about 6% more CPU afterwards, for good (the
     * compiled code stays); the handshakes' own code is compiled in the mix that follows.
     */
    static final int KEEP_ALIVE_FIRST_SHARE = 4;

    /** What the warm-up did. */
    public record Report(Duration took, long connections, long newDevices, long resumed, long http2, long requests,
            long failed, boolean settled) {
        /** A warm-up that made no connection (skipped, cancelled, or failed to start), begun at {@code start}. */
        static Report none(long start) {
            return new Report(Duration.ofNanos(System.nanoTime() - start), 0, 0, 0, 0, 0, 0, false);
        }

        public String summary() {
            return String.format("%d connections (%d devices never seen, %d resumed sessions, %d over HTTP/2), %d"
                    + " requests (%d failed) in %.1f s; %s", connections, newDevices, resumed, http2, requests, failed,
                    took.toMillis() / 1000.0,
                    settled ? "the JIT compilers settled" : "budget spent before the JIT compilers settled");
        }
    }

    private Warmup() {}

    /**
     * Runs the warm-up for at most {@code budget} (plus the few seconds a throwaway gateway takes to start
     * and stop), or until {@code cancelled} says so (checked every second: a SIGTERM during the warm-up).
     * Never throws for the warm-up's own troubles: a warm-up that cannot run is logged and skipped, the
     * gateway then starts cold.
     */
    public static Report run(Duration budget, BooleanSupplier cancelled, GatewayConfig real) {
        long start = System.nanoTime();
        if (cancelled.getAsBoolean()) {
            return Report.none(start);
        }
        if (!OpenSsl.isAvailable()) {
            log.warn("warm-up skipped, the gateway starts cold: it drives BoringSSL, which is not available here ({})",
                    String.valueOf(OpenSsl.unavailabilityCause()));
            return Report.none(start);
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gatehouse-warmup");
            return drive(dir, budget, cancelled, real, start);
        } catch (IOException | GeneralSecurityException | ConfigException | RuntimeException | LinkageError e) {
            log.warn("warm-up skipped, the gateway starts cold: {}", e.toString());
            return Report.none(start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Report.none(start);
        } finally {
            // The throwaway devices must not stay in the process-wide caches (nor in their metric).
            RuntimeState.forgetVerdicts();
            if (dir != null) {
                delete(dir);
            }
        }
    }

    private static Report drive(Path dir, Duration budget, BooleanSupplier cancelled, GatewayConfig real, long start)
            throws IOException, GeneralSecurityException, ConfigException, InterruptedException {
        WarmupPki pki = new WarmupPki();
        long deadline = start + budget.toNanos();
        Counters counters = new Counters();
        boolean settled = false;
        long resumed = 0;
        EventLoopGroup loops = Transport.eventLoopsOfThisProcess(1);
        try (WarmupTarget target = WarmupTarget.start(loops); WarmupClient client = new WarmupClient(loops, pki)) {
            Path config = writeConfig(dir, pki, target.port(), real == null ? null : real.logs());
            // Two rounds, each against a gateway of its own: the second one's start, the first one's stop and
            // a rehearsal of the real configuration's build (on this thread, as the real start will do it)
            // take paths that traffic alone does not, and would otherwise undo compiled code of the hot
            // paths just when the real listeners open. The second round compiles them again.
            for (int round = 1; round <= 2 && !cancelled.getAsBoolean() && System.nanoTime() < deadline; round++) {
                long roundEnd = round == 1 ? start + budget.toNanos() * 3 / 5 : deadline;
                long keepAliveNanos = round == 1 ? budget.toNanos() / KEEP_ALIVE_FIRST_SHARE : 0;
                Gateway gateway = Gateway.start(ConfigParser.parse(config), new Telemetry());
                try {
                    Runnable rehearsal = round == 1 || real == null ? () -> { } : () -> rehearse(real);
                    settled = load(client, gateway.boundPort("warm-up"), gateway.boundPort("warm-up-resumption"),
                            keepAliveNanos, roundEnd, cancelled, counters, rehearsal);
                } finally {
                    gateway.stop(Duration.ZERO);
                }
            }
            resumed = client.resumed();
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        return counters.report(start, settled, resumed);
    }

    /** Builds the real configuration's state and discards it, as {@code gatehouse validate} does. */
    private static void rehearse(GatewayConfig real) {
        try {
            Gateway.check(real);
        } catch (ConfigException | RuntimeException e) {
            log.debug("warm-up: rehearsing the configuration's build failed: {}", e.toString());
        }
    }

    /** What every round adds up. */
    private static final class Counters {
        final AtomicLong connections = new AtomicLong();
        final AtomicLong served = new AtomicLong();
        final AtomicLong devices = new AtomicLong();
        final AtomicLong http2 = new AtomicLong();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        /** Requests answered to a client the gateway must refuse: never, or the warm-up says so. */
        final AtomicLong strangersServed = new AtomicLong();

        Report report(long start, boolean settled, long resumed) {
            if (strangersServed.get() > 0) {
                log.error("warm-up: the throwaway gateway answered {} requests of an untrusted client",
                        strangersServed.get());
            }
            return new Report(Duration.ofNanos(System.nanoTime() - start), connections.get(), devices.get(),
                    resumed, http2.get(), requests.get(), failed.get(), settled);
        }
    }

    /**
     * Drives the gateway on {@code port} and {@code resumptionPort}, with keep-alive connections alone for
     * the first {@code keepAliveNanos}, until the JIT settles (after {@code rehearsal}, run once the load
     * runs) or {@code deadline}; whether it settled.
     */
    private static boolean load(WarmupClient client, int port, int resumptionPort, long keepAliveNanos, long deadline,
            BooleanSupplier cancelled, Counters counters, Runnable rehearsal) throws InterruptedException {
        long keepAliveUntil = System.nanoTime() + keepAliveNanos;
        AtomicBoolean stop = new AtomicBoolean();
        long servedBefore = counters.served.get();
        CountDownLatch finished = new CountDownLatch(WORKERS);
        for (int w = 0; w < WORKERS; w++) {
            new Worker(client, port, resumptionPort, w, keepAliveUntil, stop, counters, finished).next();
        }
        rehearsal.run();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean measurable = jit != null && jit.isCompilationTimeMonitoringSupported();
        long lastCompileMs = measurable ? jit.getTotalCompilationTime() : 0;
        int quietSeconds = 0;
        boolean settled = false;
        while (System.nanoTime() < deadline && !cancelled.getAsBoolean()) {
            if (finished.await(1, TimeUnit.SECONDS)) {
                break;
            }
            if (measurable) {
                long now = jit.getTotalCompilationTime();
                quietSeconds = now - lastCompileMs < SETTLED_MS ? quietSeconds + 1 : 0;
                lastCompileMs = now;
                if (quietSeconds >= 2 && counters.served.get() - servedBefore >= MIN_CONNECTIONS
                        && System.nanoTime() - keepAliveUntil >= 0) {
                    settled = true;
                    break;
                }
            }
        }
        stop.set(true);
        if (!finished.await(10, TimeUnit.SECONDS)) {
            log.warn("warm-up: a client connection did not end within 10 s of the stop; going on");
        }
        return settled;
    }

    /** One of the concurrent clients: a connection, then the next of its round, until told to stop. */
    private static final class Worker {
        private static final int ROUND = 11;
        private static final int KEEP_ALIVE = 7;
        private final WarmupClient client;
        private final int port;
        private final int resumptionPort;
        private final AtomicBoolean stop;
        private final Counters counters;
        private final CountDownLatch finished;
        private final long keepAliveUntil;
        private int step;

        Worker(WarmupClient client, int port, int resumptionPort, int first, long keepAliveUntil, AtomicBoolean stop,
                Counters counters, CountDownLatch finished) {
            this.client = client;
            this.port = port;
            this.resumptionPort = resumptionPort;
            this.step = first;
            this.keepAliveUntil = keepAliveUntil;
            this.stop = stop;
            this.counters = counters;
            this.finished = finished;
        }

        void next() {
            if (stop.get()) {
                finished.countDown();
                return;
            }
            int kind = System.nanoTime() - keepAliveUntil < 0 ? KEEP_ALIVE : step++ % ROUND;
            // 0-2: a device never seen; 3-4: a returning client, full handshake; 5-6: a returning client
            // that resumes its session; 7: a keep-alive connection; 8: a TCP connection closed before
            // TLS (a health check); 9: a client the gateway does not trust (refused in the handshake);
            // 10: an HTTP/2 connection of a returning client, its requests on streams one after the other.
            boolean device = kind <= 2;
            int count = kind == 7 || kind == 10 ? KEEP_ALIVE_REQUESTS : kind >= 8 ? 0 : 1;
            Future<Integer> done = switch (kind) {
                case 10 -> client.connectH2(port, count);
                case 8 -> client.probe(port);
                case 9 -> client.connect(port, WarmupClient.Identity.STRANGER, 1);
                case 5, 6 -> client.connect(resumptionPort, WarmupClient.Identity.RETURNING, count);
                default -> client.connect(port, device ? WarmupClient.Identity.NEW_DEVICE
                        : WarmupClient.Identity.RETURNING, count);
            };
            done.addListener(f -> {
                int ok = f.isSuccess() ? (Integer) f.getNow() : 0;
                counters.connections.incrementAndGet();
                if (count > 0 && ok == count) {
                    counters.served.incrementAndGet();
                }
                if (kind == 9 && ok > 0) {
                    counters.strangersServed.incrementAndGet();
                }
                if (device) {
                    counters.devices.incrementAndGet();
                }
                if (kind == 10) {
                    counters.http2.incrementAndGet();
                }
                counters.requests.addAndGet(count);
                counters.failed.addAndGet(count - ok);
                next();
            });
        }
    }

    private static Path writeConfig(Path dir, WarmupPki pki, int targetPort, LogsConfig real) throws IOException {
        Path root = Files.writeString(dir.resolve("root.pem"), Pem.encode(List.of(pki.root)));
        Path server = Files.writeString(dir.resolve("server.pem"), Pem.encode(List.of(pki.server)));
        Path serverKey = writeKey(dir.resolve("server.key"), pki.serverKey.getPrivate());
        String listener = """
                  - name: %s
                    address: 127.0.0.1:0
                    protocol: https
                    tls:
                      certificates: [{ certificate: "%s", private_key: "%s" }]
                %s
                    mutual_authentication: { mode: verify, trust_store: warm-up }
                    default_action: { forward: target }
                """;
        // The same logs as the real configuration (which ones, and their format): the code that writes
        // them, or skips them, is on the hot path too.
        StringBuilder logs = new StringBuilder();
        if (real != null && real.connection() != null) {
            logs.append("connection: \"").append(dir.resolve("connection.log")).append("\", ");
        }
        if (real != null && real.access() != null) {
            logs.append("access: \"").append(dir.resolve("access.log")).append("\", ");
        }
        logs.append("format: ").append(real != null && real.format() == LogsConfig.LogFormat.JSON ? "json" : "text");
        String yaml = "listeners:\n"
                + listener.formatted("warm-up", server, serverKey, "")
                + listener.formatted("warm-up-resumption", server, serverKey,
                        "      session_resumption: { enabled: true }")
                + "trust_stores:\n  warm-up: { ca_certificates: \"" + root + "\" }\n"
                + "target_groups:\n  target: { protocol: http, targets: [\"127.0.0.1:" + targetPort + "\"] }\n"
                + "logs: { " + logs + " }\n";
        return Files.writeString(dir.resolve("warm-up.yaml"), yaml);
    }

    private static Path writeKey(Path file, PrivateKey key) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, Pem.encode("PRIVATE KEY", key.getEncoded()));
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("cannot remove the warm-up's directory {}: {}", dir, e.toString());
        }
    }
}
