package dev.gatehouse.server.target;

import dev.gatehouse.server.config.TargetGroupConfig;
import io.netty.channel.EventLoopGroup;
import java.util.Map;

/**
 * The target groups of one runtime state, by name.
 *
 * <p>PLACEHOLDER: the real implementation replaces this class; the runtime builder calls only
 * {@link #create} and {@link #close}.
 */
public final class TargetGroups implements AutoCloseable {
    private TargetGroups() {}

    /** Builds the groups (connection pools share {@code eventLoops}, the listeners' event loops). */
    public static TargetGroups create(Map<String, TargetGroupConfig> groups, EventLoopGroup eventLoops) {
        return new TargetGroups();
    }

    /** Stops health checks and closes idle pooled connections. */
    @Override
    public void close() {}
}
