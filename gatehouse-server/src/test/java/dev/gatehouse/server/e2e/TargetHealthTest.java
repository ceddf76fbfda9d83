package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.NamedTarget;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Active health checks and least-outstanding-requests balancing, with real targets: a target that
 * starts failing its check stops receiving requests within {@code interval × unhealthy_threshold} (+ one
 * interval) and returns after recovering; a group whose targets are all unhealthy fails open; a slow
 * target gets fewer new requests under least-outstanding than under round robin.
 */
class TargetHealthTest {
    static final Duration INTERVAL = Duration.ofMillis(200);
    static final int UNHEALTHY_THRESHOLD = 2;
    static final int HEALTHY_THRESHOLD = 2;
    /**
     * Added to the bounds measured below: a bound is interval × threshold plus one interval, and a check or
     * a request delayed on two busy shared cores (paranoid leak detection, GC) must not fail the test.
     */
    static final long SLACK_MILLIS = 1_000;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void anUnhealthyTargetIsDroppedWithinTheThresholdAndReturnsAfterRecovering(@TempDir Path dir) throws Exception {
        try (NamedTarget a = NamedTarget.start("a"); NamedTarget b = NamedTarget.start("b")) {
            Gateway gateway = start(dir, """
                    listeners:
                      - name: web
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: app }
                    target_groups:
                      app:
                        targets: ["%s", "%s"]
                        health_check: { path: /health, interval: %dms, timeout: 150ms,
                                        healthy_threshold: %d, unhealthy_threshold: %d, success_codes: "200-299" }
                    """.formatted(a.address(), b.address(), INTERVAL.toMillis(), HEALTHY_THRESHOLD, UNHEALTHY_THRESHOLD));
            try {
                int port = gateway.boundPort("web");
                Map<String, Integer> first = spread(port, 20);
                assertThat(first).containsEntry("a", 10).containsEntry("b", 10);
                assertThat(a.healthChecks()).isPositive();

                // b starts failing: measure when it received its last request.
                long failedAt = System.nanoTime();
                b.healthStatus(503);
                long lastToB = failedAt;
                int seenByB = b.requests();
                long bound = INTERVAL.toMillis() * UNHEALTHY_THRESHOLD + INTERVAL.toMillis();
                long until = failedAt + Duration.ofMillis(bound + SLACK_MILLIS + 500).toNanos();
                while (System.nanoTime() < until) {
                    get(port, "/");
                    if (b.requests() != seenByB) {
                        seenByB = b.requests();
                        lastToB = System.nanoTime();
                    }
                    Thread.sleep(5);
                }
                long droppedAfterMillis = (lastToB - failedAt) / 1_000_000;
                System.out.println("unhealthy target received its last request " + droppedAfterMillis
                        + " ms after its health check started failing (bound " + bound + " ms)");
                assertThat(droppedAfterMillis).isLessThanOrEqualTo(bound + SLACK_MILLIS);
                assertThat(spread(port, 20)).containsEntry("a", 20).doesNotContainKey("b");

                // b recovers.
                long recoveredAt = System.nanoTime();
                b.healthStatus(200);
                long backAfter = -1;
                while (System.nanoTime() - recoveredAt < Duration.ofSeconds(3).toNanos()) {
                    if (!get(port, "/").equals("target=a")) {
                        backAfter = (System.nanoTime() - recoveredAt) / 1_000_000;
                        break;
                    }
                    Thread.sleep(5);
                }
                System.out.println("recovered target received requests again after " + backAfter + " ms"
                        + " (healthy_threshold " + HEALTHY_THRESHOLD + " × interval " + INTERVAL.toMillis() + " ms)");
                assertThat(backAfter)
                        .isBetween(0L, INTERVAL.toMillis() * HEALTHY_THRESHOLD + INTERVAL.toMillis() + SLACK_MILLIS);
                assertThat(spread(port, 20)).containsEntry("a", 10).containsEntry("b", 10);

                // Every target unhealthy (once both checks said so): fail open, requests still reach both.
                a.healthStatus(500);
                b.healthStatus(500);
                List<Target> targets = gateway.state().targetGroups().group("app").targets();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (targets.stream().anyMatch(Target::healthy)) {
                    assertThat(System.nanoTime()).as("both targets found unhealthy within 10 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
                assertThat(spread(port, 20)).containsEntry("a", 10).containsEntry("b", 10);
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void aTargetThatDoesNotAnswerInTimeOrRefusesIsUnhealthy(@TempDir Path dir) throws Exception {
        // A port with nobody listening (held, so no listener is given it): refused connections make the
        // second target unhealthy.
        try (NamedTarget a = NamedTarget.start("a"); Socket closed = FreePort.refusing()) {
            int closedPort = closed.getLocalPort();
            Gateway gateway = start(dir, """
                    listeners:
                      - name: web
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: app }
                    target_groups:
                      app:
                        targets: ["%s", "127.0.0.1:%d"]
                        health_check: { path: /health, interval: 100ms, timeout: 100ms, unhealthy_threshold: 1 }
                    """.formatted(a.address(), closedPort));
            try {
                Thread.sleep(400);
                int port = gateway.boundPort("web");
                for (int i = 0; i < 10; i++) {
                    assertThat(get(port, "/")).isEqualTo("target=a");
                }
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void leastOutstandingSendsNewRequestsAwayFromASlowTarget(@TempDir Path dir) throws Exception {
        try (NamedTarget fastL = NamedTarget.start("fast"); NamedTarget slowL = NamedTarget.start("slow");
             NamedTarget fastR = NamedTarget.start("fast"); NamedTarget slowR = NamedTarget.start("slow")) {
            Gateway gateway = start(dir, """
                    listeners:
                      - name: least
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: least }
                      - name: rr
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: rr }
                    target_groups:
                      least: { targets: ["%s", "%s"], load_balancing: least_outstanding_requests }
                      rr: { targets: ["%s", "%s"], load_balancing: round_robin }
                    """.formatted(slowL.address(), fastL.address(), slowR.address(), fastR.address()));
            try {
                // Warm up (pooled connections to both targets), then make one target slow.
                concurrently(gateway.boundPort("least"), 4);
                concurrently(gateway.boundPort("rr"), 4);
                slowL.delayMillis(1500);
                slowR.delayMillis(1500);
                Map<String, Integer> least = concurrently(gateway.boundPort("least"), 20);
                Map<String, Integer> rr = concurrently(gateway.boundPort("rr"), 20);
                System.out.println("20 requests 25 ms apart, one target 1500 ms slow: least_outstanding_requests "
                        + least + ", round_robin " + rr);
                // The slow target gets a request only when loads tie (ties go in turn); round robin gives it half.
                assertThat(least.getOrDefault("slow", 0)).isLessThanOrEqualTo(3);
                assertThat(least.get("fast")).isGreaterThanOrEqualTo(17);
                assertThat(rr).containsEntry("slow", 10).containsEntry("fast", 10);
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    /** {@code n} requests started 25 ms apart, each on its own; which target answered how many. */
    Map<String, Integer> concurrently(int port, int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/work/" + i))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            Thread.sleep(25);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).isEqualTo(200);
            counts.merge(r.body().trim().substring("target=".length()), 1, Integer::sum);
        }
        return counts;
    }

    /** {@code n} requests one after another; which target answered how many. */
    Map<String, Integer> spread(int port, int n) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String body = get(port, "/spread/" + i);
            assertThat(body).startsWith("target=");
            counts.merge(body.substring("target=".length()), 1, Integer::sum);
        }
        return counts;
    }

    String get(int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().trim();
    }

    static Gateway start(Path dir, String yaml) throws Exception {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        return Gateway.start(ConfigParser.parse(config));
    }
}
