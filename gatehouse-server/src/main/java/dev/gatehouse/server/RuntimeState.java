package dev.gatehouse.server;

import dev.gatehouse.pki.CachingVerifier;
import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.PkiException;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.pki.VerificationParameters;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.Durations;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.config.ServerNameConfig;
import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.config.TrustStoreConfig;
import dev.gatehouse.server.connection.ServerNames;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.listener.ListenerRuntime;
import dev.gatehouse.server.listener.ServerNamePolicy;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.observe.ListenerTelemetry;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.routing.SniRouter;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.target.TargetGroups;
import dev.gatehouse.server.tls.ClientCertificateJudge;
import dev.gatehouse.server.tls.ServerTls;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One immutable snapshot of everything the gateway serves with: per listener its TLS contexts, trust
 * store verifiers and HTTP stage; the target groups. Built completely off the event loop from a
 * validated {@link GatewayConfig}, or not at all: a failure throws a {@link ConfigException} naming the
 * file, line and key, and leaves nothing open.
 *
 * <h2>Lifetime</h2>
 * A state is reference-counted: the gateway holds one reference while the state serves new connections,
 * and every connection accepted with it holds one ({@link #tryRetain()}, {@link #release()}). When a
 * reload replaces it, the gateway drops its reference; the last connection to end closes it
 * ({@link #close()}: target pools and health checks, TLS contexts, and whatever was registered with
 * {@link #whenClosed}). So a connection always finishes on the state it started with, and a state no
 * connection uses any more holds nothing.
 */
public final class RuntimeState implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RuntimeState.class);
    /**
     * Verdicts per presented chain, shared by every listener, target group and state (client certificates
     * and target certificates alike): keyed by the chain's bytes, the trust store's generation and the
     * verification parameters, so a reload never reuses a stale verdict.
     */
    private static final CachingVerifier VERDICTS = new CachingVerifier(new CertificateVerifier(), 50_000);

    /**
     * Empties the process-wide verdict and signature caches and zeroes the verdict cache's counts: after the
     * start-up warm-up, whose throwaway devices would otherwise sit in them (and in the metric of lookups).
     */
    public static void forgetVerdicts() {
        VERDICTS.clear();
        dev.gatehouse.pki.SignatureCache.SHARED.clear();
    }

    private final GatewayConfig config;
    private final Map<String, ListenerRuntime> listeners;
    private final Map<String, TrustStore> trustStores;
    private final TargetGroups targetGroups;
    /** References: the gateway's while current, plus one per connection; 0 once closed. */
    private final java.util.concurrent.atomic.AtomicInteger references = new java.util.concurrent.atomic.AtomicInteger(1);
    private final java.util.List<Runnable> onClose = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** The {@code tls_passthrough} connections accepted with this state (HTTP ones are in their stage). */
    private final ChannelGroup relays = new DefaultChannelGroup("relays", GlobalEventExecutor.INSTANCE);
    /** Which configuration this is: 1 at start, one more per successful reload (set by the gateway). */
    private volatile long generation;

    private RuntimeState(GatewayConfig config, Map<String, ListenerRuntime> listeners,
                         Map<String, TrustStore> trustStores, TargetGroups targetGroups) {
        this.config = config;
        this.listeners = listeners;
        this.trustStores = trustStores;
        this.targetGroups = targetGroups;
    }

    /**
     * Loads every file the configuration names and builds the state.
     *
     * @param eventLoops    the gateway's event loops (target connections share them)
     * @param accessLog     where access-log lines go, or {@code null}
     * @param connectionLog where connection-log lines go, or {@code null}
     */
    public static RuntimeState build(GatewayConfig config, EventLoopGroup eventLoops, LogFile accessLog,
                                     LogFile connectionLog) throws ConfigException {
        return build(config, eventLoops, accessLog, connectionLog, null);
    }

    /**
     * Loads every file the configuration names and builds the state, its listeners reporting to
     * {@code telemetry} (or to nothing when {@code null}).
     */
    public static RuntimeState build(GatewayConfig config, EventLoopGroup eventLoops, LogFile accessLog,
                                     LogFile connectionLog, Telemetry telemetry) throws ConfigException {
        Set<String> clientStores = new HashSet<>();
        for (ListenerConfig l : config.listeners()) {
            if (l.mutualAuthentication().verifies()) {
                clientStores.add(l.mutualAuthentication().trustStore());
            }
            for (ServerNameConfig sn : l.serverNames()) {
                if (sn.mutualAuthentication().verifies()) {
                    clientStores.add(sn.mutualAuthentication().trustStore());
                }
            }
        }
        Set<String> targetStores = new HashSet<>();
        for (TargetGroupConfig g : config.targetGroups().values()) {
            if (g.tls() != null) {
                targetStores.add(g.tls().trustStore());
            }
        }
        Map<String, TrustStore> stores = new LinkedHashMap<>();
        for (TrustStoreConfig ts : config.trustStores().values()) {
            // A store that judges client certificates (or judges nothing yet) holds CAs only; one used only
            // by target groups may also pin self-signed target certificates.
            TrustStore.Use use = targetStores.contains(ts.name()) && !clientStores.contains(ts.name())
                    ? TrustStore.Use.TARGET_VERIFICATION : TrustStore.Use.CLIENT_VERIFICATION;
            stores.put(ts.name(), loadTrustStore(ts, use));
        }
        warnOfStaleCrls(stores, java.time.Instant.now());
        TargetGroups groups = TargetGroups.create(config.targetGroups(), eventLoops, stores, VERDICTS);
        java.util.List<ServerTls> built = new java.util.ArrayList<>();
        try {
            boolean json = config.logs().format() == dev.gatehouse.server.config.LogsConfig.LogFormat.JSON;
            ConnectionLog connections = new ConnectionLog(connectionLog, config.name(), json, telemetry);
            Map<String, ListenerRuntime> listeners = new LinkedHashMap<>();
            for (ListenerConfig l : config.listeners()) {
                if (l.protocol() == ListenerConfig.ListenerProtocol.TLS_PASSTHROUGH) {
                    listeners.put(l.name(), ListenerRuntime.passthrough(l, SniRouter.create(l, groups), connections));
                    continue;
                }
                ServerTls tls = null;
                boolean https = l.protocol() == ListenerConfig.ListenerProtocol.HTTPS;
                if (https) {
                    tls = ServerTls.build(l.tls(), judge(l.mutualAuthentication(), stores),
                            sessionPolicy(l.name(), l.mutualAuthentication()));
                    built.add(tls);
                }
                ListenerTelemetry measured = telemetry == null ? null : telemetry.listener(l.name(), https);
                HttpStage http = HttpStage.create(config, l, groups, accessLog, measured);
                if (tls == null || l.serverNames().isEmpty()) {
                    listeners.put(l.name(), new ListenerRuntime(l, tls, http, connections, tls == null ? java.util.List.of()
                            : java.util.List.of(new ServerNamePolicy(l.name(), 0, tls, l.mutualAuthentication())), null,
                            measured));
                    continue;
                }
                java.util.List<ServerNamePolicy> policies = new java.util.ArrayList<>();
                java.util.List<java.util.List<String>> names = new java.util.ArrayList<>();
                policies.add(new ServerNamePolicy(l.name(), 0, tls, l.mutualAuthentication()));
                for (ServerNameConfig sn : l.serverNames()) {
                    ServerTls own = ServerTls.build(sn.tls() != null ? sn.tls() : l.tls(),
                            judge(sn.mutualAuthentication(), stores),
                            sessionPolicy(l.name() + "/" + String.join(",", sn.names()), sn.mutualAuthentication()));
                    built.add(own);
                    policies.add(new ServerNamePolicy(l.name() + "/" + sn.names().get(0), policies.size(), own,
                            sn.mutualAuthentication()));
                    names.add(sn.names());
                }
                listeners.put(l.name(), new ListenerRuntime(l, tls, http, connections, policies, ServerNames.of(names),
                        measured));
            }
            return new RuntimeState(config, Map.copyOf(listeners), Map.copyOf(stores), groups);
        } catch (ConfigException | RuntimeException e) {
            groups.close();
            built.forEach(ServerTls::close);
            throw e;
        }
    }

    /**
     * Puts the state to work: starts the target groups' health checks. Called once the state serves (a
     * state built only to check a configuration, as {@code gatehouse validate} does, never calls it).
     */
    public void activate() {
        targetGroups.startHealthChecks();
    }

    /**
     * The admin listener's TLS (its certificates; in mode verify its trust store judges admins' certificates
     * as a listener's would), loaded once at start; {@code null} for a plain-HTTP admin listener.
     */
    public static ServerTls adminTls(GatewayConfig config) throws ConfigException {
        dev.gatehouse.server.config.AdminConfig admin = config.admin();
        if (admin == null || admin.tls() == null) {
            return null;
        }
        MutualAuthConfig mtls = admin.mutualAuthentication();
        Map<String, TrustStore> stores = new LinkedHashMap<>();
        if (mtls != null && mtls.verifies()) {
            TrustStoreConfig ts = config.trustStores().get(mtls.trustStore());
            stores.put(ts.name(), loadTrustStore(ts, TrustStore.Use.CLIENT_VERIFICATION));
        }
        return ServerTls.build(admin.tls(), mtls == null ? null : judge(mtls, stores), "admin");
    }

    private static ClientCertificateJudge judge(MutualAuthConfig mtls, Map<String, TrustStore> stores) {
        if (mtls.mode() == MutualAuthMode.OFF) {
            return null;
        }
        if (mtls.mode() == MutualAuthMode.PASSTHROUGH) {
            return ClientCertificateJudge.passthrough();
        }
        TrustStore store = stores.get(mtls.trustStore());
        VerificationParameters params = clientParameters(mtls);
        // HTTP failure pages: the handshake completes whatever the certificate; optional: none is needed.
        boolean alert = mtls.failureResponse() == MutualAuthConfig.FailureResponse.ALERT;
        return ClientCertificateJudge.verifying(chain -> VERDICTS.verify(store, java.util.Arrays.asList(chain), params),
                store.anchors().toArray(new X509Certificate[0]), mtls.advertiseTrustStoreCaNames(),
                alert && mtls.mode() == MutualAuthMode.VERIFY, alert);
    }

    /**
     * What a resumed session must have been made under: the listener (and the server names of a
     * {@code server_names} entry) and its mutual-authentication policy (mode, trust store, parameters; not
     * where in the file they are written, nor header names). A session made under another is not resumed.
     */
    private static String sessionPolicy(String scope, MutualAuthConfig m) {
        return String.join("\n", scope, m.mode().name(), String.valueOf(m.trustStore()),
                "ignore_expiry=" + m.ignoreClientCertificateExpiry(), "trust_unverified=" + m.trustUnverifiedIdentity());
    }

    /** The parameters a verify-mode listener judges client certificates with. */
    private static VerificationParameters clientParameters(MutualAuthConfig mtls) {
        return VerificationParameters.client().withIgnoreLeafExpiry(mtls.ignoreClientCertificateExpiry());
    }

    /** What a verify-mode listener judges a client certificate with: its trust store and parameters. */
    public record ClientVerification(TrustStore trustStore, VerificationParameters parameters) {}

    /**
     * The trust store (loaded from its files as a running gateway loads it, CRLs and limits included) and
     * the verification parameters of {@code listener}, a verify-mode listener of {@code config}: what
     * {@code gatehouse verify --listener} judges a certificate with, so that it decides as the listener does.
     *
     * @throws IllegalArgumentException if the listener is not in verify mode
     */
    public static ClientVerification clientVerification(GatewayConfig config, ListenerConfig listener)
            throws ConfigException {
        MutualAuthConfig mtls = listener.mutualAuthentication();
        if (mtls == null || !mtls.verifies()) {
            throw new IllegalArgumentException("listener " + listener.name() + " does not verify client certificates");
        }
        TrustStoreConfig ts = config.trustStores().get(mtls.trustStore());
        return new ClientVerification(loadTrustStore(ts, TrustStore.Use.CLIENT_VERIFICATION), clientParameters(mtls));
    }

    /**
     * One WARN per CRL past its {@code nextUpdate}, at every state build (start and each reload): it is
     * still used, but the CA has stopped vouching for it, and revocations since then are unknown here.
     */
    private static void warnOfStaleCrls(Map<String, TrustStore> stores, java.time.Instant now) {
        for (Map.Entry<String, TrustStore> e : stores.entrySet()) {
            for (TrustStore.RevocationList crl : e.getValue().staleRevocationLists(now)) {
                log.warn("trust store {}: the CRL {} of {} is overdue by {} (its nextUpdate was {}); still used for"
                                + " revocation checks (expected: a fresh CRL from that CA in place of the file)",
                        e.getKey(), crl.source(), crl.issuer(), overdue(crl.overdueAt(now)), crl.nextUpdate());
            }
        }
    }

    /** {@code 3d 4h}, {@code 5h 12m}, {@code 42m 10s}: as precise as a person reading the log needs. */
    static String overdue(java.time.Duration d) {
        if (d.toDays() > 0) {
            return d.toDays() + "d " + d.toHoursPart() + "h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + "h " + d.toMinutesPart() + "m";
        }
        return d.toMinutes() + "m " + d.toSecondsPart() + "s";
    }

    private static TrustStore loadTrustStore(TrustStoreConfig ts, TrustStore.Use use) throws ConfigException {
        try {
            TrustStoreLimits limits = TrustStoreLimits.DEFAULTS
                    .withMaxChainDepth(ts.maxChainDepth())
                    .withMaxCaCertificates(ts.maxCaCertificates())
                    .withMaxRevocationEntries((int) Math.min(Integer.MAX_VALUE, ts.maxRevocationEntries()));
            return TrustStore.load(ts.caCertificates(), ts.revocationLists(), limits, use);
        } catch (PkiException e) {
            // Name the CRL's own location when the problem is in one of them.
            for (int i = 0; i < ts.revocationLists().size(); i++) {
                if (e.getMessage() != null && e.getMessage().contains(ts.revocationLists().get(i).toString())) {
                    throw new ConfigException(ts.revocationListsAt().get(i), e.getMessage(), e);
                }
            }
            throw new ConfigException(ts.caCertificatesAt(), e.getMessage(), e);
        }
    }

    public GatewayConfig config() {
        return config;
    }

    /** Lookups of the gateway's verdict cache (client and target certificates) that hit ({@code true}) or missed. */
    public static long verdictCacheLookups(boolean hit) {
        return hit ? VERDICTS.hits() : VERDICTS.misses();
    }

    /** The listener's runtime, by name ({@code null} if there is no such listener). */
    public ListenerRuntime listener(String name) {
        return listeners.get(name);
    }

    public Map<String, ListenerRuntime> listeners() {
        return listeners;
    }

    public Map<String, TrustStore> trustStores() {
        return trustStores;
    }

    public TargetGroups targetGroups() {
        return targetGroups;
    }

    /**
     * Takes a reference for a new connection, unless the state was already closed (then the caller reads
     * the current state again).
     */
    public boolean tryRetain() {
        while (true) {
            int n = references.get();
            if (n <= 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Remembers a relayed ({@code tls_passthrough}) connection accepted with this state, for {@link #endReplaced}. */
    public void trackRelay(Channel ch) {
        relays.add(ch);
    }

    /**
     * {@code reload.drain_timeout} for this state, which a reload just replaced: once {@code after} has
     * passed, the connections it still has end ({@link #endReplaced}), and {@code grace} later whatever is
     * still open is closed ({@link #closeRemaining}). If the state closes by itself before (its last
     * connection ended), the deadline is cancelled, so its trust stores and CRLs are not kept until then.
     */
    public void endAfter(Duration after, Duration grace, EventLoopGroup loops) {
        io.netty.util.concurrent.ScheduledFuture<?> due = loops.next().schedule(() -> {
            if (isClosed()) {
                return;
            }
            int[] open = endReplaced();
            log.info("configuration generation {} was replaced {} ago (reload.drain_timeout): closing its {} HTTP"
                    + " connections (after their responses in flight) and its {} relayed connections", generation,
                    Durations.format(after), open[0], open[1]);
            loops.next().schedule(() -> {
                int left = isClosed() ? 0 : closeRemaining();
                if (left > 0) {
                    log.warn("configuration generation {}: closed its {} connections still open {} after the drain"
                            + " deadline (shutdown_timeout)", generation, left, Durations.format(grace));
                }
            }, grace.toNanos(), TimeUnit.NANOSECONDS);
        }, after.toNanos(), TimeUnit.NANOSECONDS);
        whenClosed(() -> due.cancel(false));
    }

    /**
     * The drain deadline of a state a reload replaced ({@code reload.drain_timeout}): its HTTP connections
     * close gracefully (HTTP/1.1 after the response in flight, at once if idle; HTTP/2 with GOAWAY, once its
     * open streams finish), its relayed connections close now. Any thread.
     *
     * @return the HTTP connections and the relayed connections that were open
     */
    int[] endReplaced() {
        int http = 0;
        for (ListenerRuntime l : listeners.values()) {
            http += l.openHttpConnections();
            l.drain();
        }
        int relayed = relays.size();
        relays.close();
        return new int[] {http, relayed};
    }

    /** After {@link #endReplaced}: closes every connection still open (a response still streaming, a tunnel). */
    int closeRemaining() {
        int n = relays.size();
        for (ListenerRuntime l : listeners.values()) {
            n += l.openHttpConnections();
            l.closeHttpConnections();
        }
        relays.close();
        return n;
    }

    /** Drops a reference; the last one closes the state. Any thread. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            close();
        }
    }

    /** Requests in flight on this state's listeners. Any thread. */
    public int inFlight() {
        int n = 0;
        for (ListenerRuntime l : listeners.values()) {
            n += l.inFlight();
        }
        return n;
    }

    /** Runs {@code action} when the state is closed (at once if it already is). */
    public void whenClosed(Runnable action) {
        onClose.add(action);
        if (closed.get() && onClose.remove(action)) {
            action.run();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    public long generation() {
        return generation;
    }

    void generation(long value) {
        generation = value;
    }

    /**
     * Closes what this state owns that outlives connections (target pools, health checks, TLS contexts),
     * then runs the {@link #whenClosed} actions. Idempotent. Called by the last {@link #release()}, or
     * directly for a state that never served.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        references.set(0);
        targetGroups.close();
        for (ListenerRuntime l : listeners.values()) {
            for (ServerNamePolicy p : l.policies()) { // the listener's own TLS first, then its server names'
                p.tls().close();
            }
        }
        for (Runnable r : onClose) {
            if (onClose.remove(r)) {
                r.run();
            }
        }
    }
}
