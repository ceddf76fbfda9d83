package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A target group's {@code timeouts.idle}: a kept-alive target connection left unused that long is closed
 * by Gatehouse, so that a target which closes idle connections itself after a few seconds (Node.js: 5 s)
 * is never sent a request on a connection it is closing; the next request connects anew. Without the
 * setting (30 s), the same connection serves the next request.
 */
class TargetIdleTimeoutTest {
    private static final String GET = "GET /idle HTTP/1.1\r\nHost: h\r\n\r\n";

    @Test
    void aTargetConnectionUnusedForTheGroupsIdleTimeoutIsClosedAndTheNextRequestConnectsAnew() throws Exception {
        try (Http2LimitsTest.GatedTarget target = new Http2LimitsTest.GatedTarget();
             ProxyHarness proxy = harness(target, Duration.ofMillis(400))) {
            target.open();
            long sent = System.nanoTime(); // before the connection can have gone back to the pool
            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            assertThat(target.sockets).hasSize(1);
            Socket first = target.sockets.get(0);

            assertThat(closedAfterMillis(List.of(first), sent).get(0)).as("closed, not before the idle timeout")
                    .isGreaterThanOrEqualTo(400);

            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            assertThat(target.sockets).as("a new connection for the next request").hasSize(2);
        }
    }

    /**
     * The idle timeout of {@link #eachIdleConnectionIsClosedWhenItsOwnIdleTimeRunsOut}: well over the 300 ms
     * after which one connection is used again, so that a test thread woken late on two busy shared cores
     * still finds both connections in the pool.
     */
    private static final long IDLE_MILLIS = 1_200;

    @Test
    void eachIdleConnectionIsClosedWhenItsOwnIdleTimeRunsOut() throws Exception {
        try (Http2LimitsTest.GatedTarget target = new Http2LimitsTest.GatedTarget();
             ProxyHarness proxy = harness(target, Duration.ofMillis(IDLE_MILLIS))) {
            // Two requests at once: two target connections, both idle from the same moment.
            target.hold();
            long both = System.nanoTime();
            List<CompletableFuture<Integer>> two = List.of(
                    CompletableFuture.supplyAsync(() -> get(proxy)), CompletableFuture.supplyAsync(() -> get(proxy)));
            target.awaitRequests(2);
            target.open();
            for (CompletableFuture<Integer> r : two) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            }
            assertThat(target.sockets).hasSize(2);

            // 300 ms later one of them serves another request, and is idle from then on.
            Thread.sleep(300);
            long again = System.nanoTime();
            assertThat(get(proxy)).isEqualTo(200);
            assertThat(target.sockets).as("the request reused a connection").hasSize(2);

            // The one left alone is closed at its own time, the one used again 300 ms later (the sweep
            // that closed the first was scheduled again for it, not left to a fixed period).
            List<Long> closedAfter = new ArrayList<>(closedAfterMillis(target.sockets, both));
            closedAfter.sort(null);
            assertThat(closedAfter.get(0)).as("the connection left alone").isGreaterThanOrEqualTo(IDLE_MILLIS);
            assertThat(closedAfter.get(1)).as("the connection used again")
                    .isGreaterThanOrEqualTo(IDLE_MILLIS + TimeUnit.NANOSECONDS.toMillis(again - both));
        }
    }

    @Test
    void withTheDefaultIdleTimeoutTheSameConnectionServesTheNextRequest() throws Exception {
        try (Http2LimitsTest.GatedTarget target = new Http2LimitsTest.GatedTarget();
             ProxyHarness proxy = harness(target, TargetTimeouts.DEFAULT_IDLE)) {
            target.open();
            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            Thread.sleep(1_000);
            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            assertThat(target.sockets).hasSize(1);
            assertThat(target.sockets.get(0).isClosed()).isFalse();
            assertThat(target.requests.get()).isEqualTo(2);
        }
    }

    private static int get(ProxyHarness proxy) {
        try {
            return RawHttp.exchange(proxy.port(), GET).status();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * For each of {@code sockets}, the milliseconds from {@code since} until the target saw its end of it
     * (its reader gets EOF and closes the socket), watched together; fails if one is still open after 5 s.
     */
    private static List<Long> closedAfterMillis(List<Socket> sockets, long since) throws InterruptedException {
        Long[] after = new Long[sockets.size()];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int open = sockets.size();
        while (open > 0 && System.nanoTime() < deadline) {
            for (int i = 0; i < after.length; i++) {
                if (after[i] == null && sockets.get(i).isClosed()) {
                    after[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
                    open--;
                }
            }
            Thread.sleep(5);
        }
        assertThat(open).as("target connections still open 5 s on").isZero();
        return List.of(after);
    }

    /** One event loop, so that every client connection takes its target connection from the same pool. */
    private static ProxyHarness harness(Http2LimitsTest.GatedTarget target, Duration idle) throws Exception {
        return ProxyHarness.builder().eventLoops(1)
                .group("app", LoadBalancing.ROUND_ROBIN, new TargetTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), idle),
                        target.port())
                .defaultAction(ActionConfig.Forward.to("app")).start();
    }
}
