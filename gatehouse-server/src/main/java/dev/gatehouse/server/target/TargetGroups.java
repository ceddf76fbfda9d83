package dev.gatehouse.server.target;

import dev.gatehouse.server.config.TargetGroupConfig;
import io.netty.channel.EventLoopGroup;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The target groups of one runtime state, by name, with their connection pools.
 *
 * <p>Pools are created lazily, one per target and event loop: a request uses the pool of its client
 * channel's loop, so a target connection is always served by the same thread as the client connection
 * (no cross-thread hand-off, no locks). A new runtime state (reload) builds new groups; the old ones
 * are closed once the old state is retired: idle connections close at once, connections in use when
 * their exchange ends.
 */
public final class TargetGroups implements AutoCloseable {
    private final Map<String, TargetGroup> groups;

    private TargetGroups(Map<String, TargetGroup> groups) {
        this.groups = groups;
    }

    /**
     * Builds the groups. Target host names are resolved here, once (off the event loops).
     *
     * @param groups     the {@code target_groups} section
     * @param eventLoops the listeners' event loops (pools are created on them as requests arrive)
     */
    public static TargetGroups create(Map<String, TargetGroupConfig> groups, EventLoopGroup eventLoops) {
        Map<String, TargetGroup> built = new LinkedHashMap<>();
        for (Map.Entry<String, TargetGroupConfig> e : groups.entrySet()) {
            if (e.getValue().protocol() == TargetGroupConfig.TargetProtocol.HTTPS) {
                throw new IllegalArgumentException("target group " + e.getKey()
                        + ": https target groups are not supported yet (expected: protocol http)");
            }
            built.put(e.getKey(), new TargetGroup(e.getValue()));
        }
        return new TargetGroups(Map.copyOf(built));
    }

    /** The group named {@code name}, or {@code null}. */
    public TargetGroup group(String name) {
        return groups.get(name);
    }

    public Map<String, TargetGroup> groups() {
        return groups;
    }

    /** Closes idle pooled connections; connections in use close when their exchange ends. */
    @Override
    public void close() {
        for (TargetGroup g : groups.values()) {
            g.close();
        }
    }
}
