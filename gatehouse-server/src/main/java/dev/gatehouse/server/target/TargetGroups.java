package dev.gatehouse.server.target;

import dev.gatehouse.pki.CachingVerifier;
import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.TargetGroupConfig;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The target groups of one runtime state, by name, with their connection pools and health checks.
 *
 * <p>Pools are created lazily, one per target and event loop: a request uses the pool of its client
 * channel's loop, so a target connection is always served by the same thread as the client connection
 * (no cross-thread hand-off, no locks). A new runtime state (reload) builds new groups; the old ones
 * are closed once the old state is retired: idle connections close at once, connections in use when
 * their exchange ends, health checks stop.
 */
public final class TargetGroups implements AutoCloseable {
    private final Map<String, TargetGroup> groups;
    private final List<HealthChecker> checkers;

    private TargetGroups(Map<String, TargetGroup> groups, List<HealthChecker> checkers) {
        this.groups = groups;
        this.checkers = checkers;
    }

    /** Builds http groups only (for tests of routing and proxying): there are no trust stores for https ones. */
    public static TargetGroups create(Map<String, TargetGroupConfig> groups, EventLoopGroup eventLoops) {
        try {
            return create(groups, eventLoops, Map.of(), new CachingVerifier(new CertificateVerifier(), 1));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Builds the groups. Target host names are resolved here, once (off the event loops). Health checks
     * are prepared but run only after {@link #startHealthChecks()}.
     *
     * @param groups      the {@code target_groups} section
     * @param eventLoops  the listeners' event loops (pools are created on them as requests arrive; each
     *                    group's health checks run on one of them); {@code null}: no health checks
     * @param trustStores the trust stores by name, every one the groups name (the configuration checked the names)
     * @param verdicts    the gateway's verdict cache, through which https groups verify target certificates
     * @throws ConfigException naming the key of a target client certificate or key that cannot be used, or of
     *                         a target whose host does not resolve
     */
    public static TargetGroups create(Map<String, TargetGroupConfig> groups, EventLoopGroup eventLoops,
                                      Map<String, TrustStore> trustStores, CachingVerifier verdicts)
            throws ConfigException {
        Map<String, TargetGroup> built = new LinkedHashMap<>();
        List<HealthChecker> checkers = new ArrayList<>();
        try {
            for (Map.Entry<String, TargetGroupConfig> e : groups.entrySet()) {
                TargetGroupConfig config = e.getValue();
                TargetTls tls = null;
                if (config.protocol() == TargetGroupConfig.TargetProtocol.HTTPS) {
                    tls = TargetTls.build(config.tls(), trustStores.get(config.tls().trustStore()), verdicts,
                            config.protocolVersion().http2());
                }
                TargetGroup group = new TargetGroup(config, tls);
                built.put(e.getKey(), group);
                for (Target t : group.targets()) {
                    // Connections use the address resolved here; one that did not resolve would fail every request.
                    if (t.socketAddress().isUnresolved()) {
                        throw new ConfigException(config.at().child("targets", config.at().line()).index(t.index(),
                                config.at().line()), "host '" + t.address().host() + "' does not resolve"
                                + " (expected: a host name this machine can resolve, or an IP address)");
                    }
                }
                if (config.healthCheck() != null && eventLoops != null) {
                    checkers.add(new HealthChecker(group, config.healthCheck(), tls, eventLoops.next()));
                }
            }
        } catch (ConfigException | RuntimeException e) {
            for (TargetGroup g : built.values()) {
                g.releaseTls(); // the TLS contexts built so far (nothing connected yet)
            }
            throw e;
        }
        return new TargetGroups(Map.copyOf(built), List.copyOf(checkers));
    }

    /**
     * Carries the health of targets over from the groups a reload replaces: a target of a health-checked
     * group that is in the previous group of the same name, at the same address, starts as healthy or
     * unhealthy as it was there (and stays passed over if it just refused a connection), instead of healthy.
     * So a reload never sends requests to a target known to be failing. Call before
     * {@link #startHealthChecks()}.
     */
    public void inheritHealth(TargetGroups previous) {
        for (HealthChecker c : checkers) {
            TargetGroup group = c.group();
            TargetGroup old = previous.group(group.name());
            if (old == null) {
                continue;
            }
            for (Target t : group.targets()) {
                for (Target o : old.targets()) {
                    if (o.address().equals(t.address())) {
                        t.inherit(o);
                        break;
                    }
                }
            }
            group.healthChanged();
        }
    }

    /** Starts the health checks (the first round at once). */
    public void startHealthChecks() {
        for (HealthChecker c : checkers) {
            c.start();
        }
    }

    /** Every group, by name. */
    public Map<String, TargetGroup> all() {
        return groups;
    }

    /** The group named {@code name}, or {@code null}. */
    public TargetGroup group(String name) {
        return groups.get(name);
    }

    /**
     * Stops health checks; closes idle pooled connections (connections in use close when their exchange ends);
     * releases the groups' TLS contexts (each connection made with one holds it until it closes).
     */
    @Override
    public void close() {
        for (TargetGroup g : groups.values()) {
            g.close();
        }
        Set<TargetGroup> checked = new HashSet<>();
        for (HealthChecker c : checkers) {
            checked.add(c.group());
            c.close(c.group()::releaseTls); // after its checks stopped: a check due meanwhile still connects
        }
        for (TargetGroup g : groups.values()) {
            if (!checked.contains(g)) {
                g.releaseTls();
            }
        }
    }
}
