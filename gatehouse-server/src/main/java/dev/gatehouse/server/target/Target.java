package dev.gatehouse.server.target;

import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import dev.gatehouse.server.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.resolver.NoopAddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One target of a group: its address, its connection pools (one per event loop) and its load.
 *
 * <h2>Health</h2>
 * With a {@code health_check}, {@link #healthy()} is what the group's {@link HealthChecker} last
 * concluded; unhealthy targets get no new requests (unless every target of the group is unhealthy).
 * Without one, every target is healthy.
 *
 * <h2>Passive failure marking</h2>
 * A target that refuses a connection (or does not answer the connect in time, or fails the TLS
 * handshake) is passed over by the load balancer for {@link #BENCH_NANOS}, unless every target of the
 * group is in that state.
 */
public final class Target {
    /** How long a target that failed to connect is skipped. */
    public static final long BENCH_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final TargetAddress address;
    private final InetSocketAddress socketAddress;
    private final String logName;
    private final int index;
    private final int connectTimeoutMillis;
    private final TargetTls tls;
    private final boolean h2;
    private final long idleTimeoutNanos;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final ConcurrentHashMap<EventLoop, TargetPool> pools = new ConcurrentHashMap<>();
    private volatile long benchedUntil;
    private volatile boolean healthy = true;
    private volatile LastCheck lastCheck;
    /** When the last TLS failure warning was logged (racy on purpose: it only thins out log lines). */
    volatile long tlsWarnedAt;
    private volatile boolean closed;

    Target(TargetAddress address, int index, int connectTimeoutMillis, TargetTls tls) {
        this(address, index, connectTimeoutMillis, tls, false, TargetTimeouts.DEFAULT_IDLE.toNanos());
    }

    /**
     * @param h2               whether requests reach the target over HTTP/2
     * @param idleTimeoutNanos how long a pooled connection may stay unused (the group's {@code timeouts.idle})
     */
    Target(TargetAddress address, int index, int connectTimeoutMillis, TargetTls tls, boolean h2,
           long idleTimeoutNanos) {
        this.address = address;
        this.h2 = h2;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.tls = tls;
        this.index = index;
        this.connectTimeoutMillis = connectTimeoutMillis;
        // Resolved once, off the event loops (the group is built by the runtime builder).
        InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
        this.socketAddress = resolved;
        this.logName = resolved.isUnresolved() ? address.toString()
                : TargetAddress.of(resolved.getAddress().getHostAddress(), address.port()).toString();
    }

    public TargetAddress address() {
        return address;
    }

    InetSocketAddress socketAddress() {
        return socketAddress;
    }

    /** {@code ip:port} as written in the access log. */
    public String logName() {
        return logName;
    }

    int index() {
        return index;
    }

    /** Requests sent to this target and not finished yet. */
    public int outstanding() {
        return outstanding.get();
    }

    /** An exchange starts using this target (least-outstanding-requests balancing counts these). */
    public void requestStarted() {
        outstanding.incrementAndGet();
    }

    public void requestFinished() {
        outstanding.decrementAndGet();
    }

    /** What the health checks last concluded ({@code true} without health checks). */
    public boolean healthy() {
        return healthy;
    }

    void healthy(boolean value) {
        healthy = value;
    }

    /** The outcome of the target's latest health check, or {@code null} before the first (or without checks). */
    public LastCheck lastCheck() {
        return lastCheck;
    }

    void lastCheck(LastCheck value) {
        lastCheck = value;
    }

    /**
     * One health check's outcome, for the admin API: why a target is (un)healthy without searching the log.
     *
     * @param detail what came back: {@code status 200}, {@code connected}, {@code no answer within 5000ms},
     *               {@code connect failed: ...}, a TLS failure naming the certificate
     */
    public record LastCheck(boolean success, String detail, Instant at) {}

    /** Takes over what {@code previous} (the same target in the group a reload replaced) knew of its health. */
    void inherit(Target previous) {
        healthy = previous.healthy;
        lastCheck = previous.lastCheck;
        benchedUntil = previous.benchedUntil;
    }

    boolean benched(long now) {
        long until = benchedUntil;
        return until != 0 && now - until < 0;
    }

    void connectFailed() {
        benchedUntil = System.nanoTime() + BENCH_NANOS;
    }

    /**
     * How Gatehouse connects to targets, for requests and health checks alike: a channel of {@code loop}'s
     * transport, the address used as resolved when the group was built (no resolver on the loop),
     * {@code TCP_NODELAY}, and {@code connectTimeoutMillis} to connect.
     */
    static Bootstrap bootstrap(EventLoop loop, int connectTimeoutMillis) {
        Transport transport = Transport.of(loop);
        return transport.connectionOptions(new Bootstrap())
                .group(loop)
                .channel(transport.socketChannel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
    }

    /**
     * A connection of its own to this target on {@code loop}, outside the pools: for the bytes a
     * {@code tls_passthrough} listener relays. A connect that fails benches the target as for pooled ones.
     */
    public io.netty.channel.ChannelFuture connect(EventLoop loop, io.netty.channel.ChannelHandler handler) {
        io.netty.channel.ChannelFuture f = bootstrap(loop, connectTimeoutMillis).handler(handler).connect(socketAddress);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connectFailed();
            }
        });
        return f;
    }

    /** How long a pooled connection to this target may stay unused before it is closed. */
    long idleTimeoutNanos() {
        return idleTimeoutNanos;
    }

    /** The pool of this target on {@code loop}, created on first use. */
    public TargetPool pool(EventLoop loop) {
        TargetPool p = pools.get(loop);
        if (p == null) {
            TargetPool created = new TargetPool(this, loop, connectTimeoutMillis, tls, h2);
            p = pools.putIfAbsent(loop, created);
            if (p == null) {
                p = created;
                if (closed) {
                    created.close();
                }
            }
        }
        return p;
    }

    /** Whether the state that built this target has closed it. */
    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
        for (TargetPool p : pools.values()) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
