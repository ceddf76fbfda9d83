package dev.gatehouse.server.target;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.TargetAddress;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A full pool of idle target connections makes room by closing the connection unused longest (the one
 * nearest to the target's own idle timeout), not the one just returned; the next request takes the one
 * returned last. The pool's bookkeeping alone, on embedded channels (the wire behaviour of pooling is in
 * {@code TargetPoolReuseTest} and {@code TargetIdleTimeoutTest}).
 */
class TargetPoolTest {
    @Test
    void aFullPoolClosesTheConnectionUnusedLongest() {
        EmbeddedChannel loopOwner = new EmbeddedChannel();
        Target target = new Target(TargetAddress.of("127.0.0.1", 9), 0, 1_000, null);
        TargetPool pool = target.pool(loopOwner.eventLoop());
        List<EmbeddedChannel> channels = new ArrayList<>();
        List<TargetConnection> connections = new ArrayList<>();
        for (int i = 0; i <= TargetPool.MAX_IDLE; i++) {
            TargetConnection c = new TargetConnection(pool, false);
            channels.add(new EmbeddedChannel(c));
            connections.add(c);
            c.release(true); // an exchange completed on it: back to the pool
        }
        assertThat(channels.get(0).isOpen()).as("the connection unused longest").isFalse();
        assertThat(channels.subList(1, channels.size())).as("the %d returned after it", TargetPool.MAX_IDLE)
                .allMatch(Channel::isOpen);

        AtomicReference<TargetConnection> taken = new AtomicReference<>();
        pool.acquire(new TargetListener() {
            @Override
            public void targetConnected(TargetConnection c) {
                taken.set(c);
            }

            @Override
            public void targetConnectFailed(Target t, Throwable cause) {
                throw new AssertionError("a pooled connection was expected", cause);
            }

            @Override
            public void targetRead(Object msg) {
            }

            @Override
            public void targetReadComplete() {
            }

            @Override
            public void targetWritabilityChanged(boolean writable) {
            }

            @Override
            public void targetClosed(Throwable cause) {
            }
        });
        assertThat(taken.get()).as("the next request's connection").isSameAs(connections.get(TargetPool.MAX_IDLE));
        target.close();
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        loopOwner.finishAndReleaseAll();
    }
}
