package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import java.net.Socket;
import java.time.Duration;
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
            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            assertThat(target.sockets).hasSize(1);
            Socket first = target.sockets.get(0);
            long answered = System.nanoTime();

            // The target sees the end of the connection (its reader gets EOF and closes its socket).
            long deadline = answered + TimeUnit.SECONDS.toNanos(5);
            while (!first.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            long closedAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertThat(first.isClosed()).as("closed by Gatehouse within 5 s").isTrue();
            assertThat(closedAfterMillis).as("not before the idle timeout").isGreaterThanOrEqualTo(350);

            assertThat(RawHttp.exchange(proxy.port(), GET).status()).isEqualTo(200);
            assertThat(target.sockets).as("a new connection for the next request").hasSize(2);
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

    /** One event loop, so that every client connection takes its target connection from the same pool. */
    private static ProxyHarness harness(Http2LimitsTest.GatedTarget target, Duration idle) throws Exception {
        return ProxyHarness.builder().eventLoops(1)
                .group("app", LoadBalancing.ROUND_ROBIN, new TargetTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), idle),
                        target.port())
                .defaultAction(ActionConfig.Forward.to("app")).start();
    }
}
