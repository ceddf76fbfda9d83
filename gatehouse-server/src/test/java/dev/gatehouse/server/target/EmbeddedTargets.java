package dev.gatehouse.server.target;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Target connections on an {@link EmbeddedChannel}, for unit tests of what uses them: the connection is
 * the channel's only handler, so what an exchange writes to the target is read back as {@code HttpObject}s
 * with {@code readOutbound()}, and the target's response is given with {@code writeInbound(...)}.
 */
public final class EmbeddedTargets {
    private EmbeddedTargets() {}

    /**
     * Puts a connection on {@code channel} into the idle pool of {@code target} for {@code loop}: the next
     * request on that loop that picks {@code target} takes it instead of connecting.
     */
    public static void offerIdle(Target target, EventLoop loop, EmbeddedChannel channel) {
        TargetPool pool = target.pool(loop);
        TargetConnection connection = new TargetConnection(pool, false);
        channel.pipeline().addLast("target", connection);
        pool.offer(connection);
    }
}
