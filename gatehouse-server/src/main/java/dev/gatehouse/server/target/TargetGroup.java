package dev.gatehouse.server.target;

import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named set of targets and the way requests are spread over them.
 *
 * <h2>Picking</h2>
 * {@link #pick()} chooses the first target of a request ({@code round_robin}: in turn;
 * {@code least_outstanding_requests}: the one with the fewest requests in flight, ties in turn), passing
 * over unhealthy targets (see {@link HealthChecker}) and targets that recently refused connections.
 * When every target is unhealthy the group fails open: all of them are candidates again, as in the
 * cloud balancer, and a warning says so. {@link #next(Target)} chooses the target to try after
 * one that could not be connected: the following one in order, so that each target is tried at most once
 * per request. Both are lock-free and safe from any thread.
 */
public final class TargetGroup {
    private static final Logger log = LoggerFactory.getLogger(TargetGroup.class);

    private final String name;
    private final List<Target> targets;
    private final LoadBalancing loadBalancing;
    private final TargetTimeouts timeouts;
    private final AtomicInteger turn = new AtomicInteger();
    private final TargetTls tls;
    private final boolean proxyProtocol;
    private final TargetGroupConfig.ProtocolVersion protocolVersion;
    /** Whether some target is healthy; written by the health checker's loop only. */
    private volatile boolean anyHealthy = true;

    /** @param tls TLS to the targets of an https group, or {@code null} for http */
    TargetGroup(TargetGroupConfig config, TargetTls tls) {
        this.tls = tls;
        this.protocolVersion = config.protocolVersion();
        this.name = config.name();
        this.loadBalancing = config.loadBalancing();
        this.timeouts = config.timeouts();
        this.proxyProtocol = config.proxyProtocol();
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeouts.connect().toMillis()));
        List<Target> list = new ArrayList<>(config.targets().size());
        for (int i = 0; i < config.targets().size(); i++) {
            list.add(new Target(config.targets().get(i), i, connectMillis, tls, protocolVersion.http2(),
                    timeouts.idle().toNanos()));
        }
        this.targets = List.copyOf(list);
    }

    public String name() {
        return name;
    }

    public List<Target> targets() {
        return targets;
    }

    public int size() {
        return targets.size();
    }

    public TargetTimeouts timeouts() {
        return timeouts;
    }

    public LoadBalancing loadBalancing() {
        return loadBalancing;
    }

    /** {@code protocol_version}: how requests travel to the targets. */
    public TargetGroupConfig.ProtocolVersion protocolVersion() {
        return protocolVersion;
    }

    /** TLS to the targets ({@code null} for an http group). */
    public TargetTls tls() {
        return tls;
    }

    /** Whether connections relayed to the targets start with a PROXY protocol v2 header naming the client. */
    public boolean proxyProtocol() {
        return proxyProtocol;
    }

    /** The target for a new request. */
    public Target pick() {
        int n = targets.size();
        int start = Math.floorMod(turn.getAndIncrement(), n);
        if (n == 1) {
            return targets.get(0);
        }
        long now = System.nanoTime();
        boolean failOpen = !anyHealthy;
        if (loadBalancing == LoadBalancing.LEAST_OUTSTANDING_REQUESTS) {
            Target best = null;
            int bestLoad = Integer.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                Target t = targets.get((start + i) % n);
                if (t.benched(now) || !(failOpen || t.healthy())) {
                    continue;
                }
                int load = t.outstanding();
                if (load < bestLoad) {
                    best = t;
                    bestLoad = load;
                }
            }
            return best != null ? best : fallback(start, failOpen);
        }
        for (int i = 0; i < n; i++) {
            Target t = targets.get((start + i) % n);
            if (!t.benched(now) && (failOpen || t.healthy())) {
                return t;
            }
        }
        return fallback(start, failOpen);
    }

    /** Every candidate is benched: a healthy target still comes before an unhealthy one. */
    private Target fallback(int start, boolean failOpen) {
        int n = targets.size();
        if (!failOpen) {
            for (int i = 0; i < n; i++) {
                Target t = targets.get((start + i) % n);
                if (t.healthy()) {
                    return t;
                }
            }
        }
        return targets.get(start);
    }

    /** The target to try after {@code previous} failed to connect. */
    public Target next(Target previous) {
        return targets.get((previous.index() + 1) % targets.size());
    }

    /** Called by the health checker's loop after a target changed state. */
    void healthChanged() {
        boolean any = false;
        for (Target t : targets) {
            any |= t.healthy();
        }
        if (any != anyHealthy) {
            anyHealthy = any;
            if (!any) {
                log.warn("target group {}: every target is unhealthy; failing open: requests go to all {} targets",
                        name, targets.size());
            } else {
                log.info("target group {}: a target is healthy again; unhealthy targets get no requests", name);
            }
        }
    }

    /** Closes the targets' pools (new connections are refused from now on). */
    void close() {
        for (Target t : targets) {
            t.close();
        }
    }

    /** After {@link #close}: gives back the TLS context to the targets, if any. */
    void releaseTls() {
        if (tls != null) {
            tls.close();
        }
    }
}
