package dev.gatehouse.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.Json;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.NamedTarget;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/v1/state} says why each target is healthy or not: the latest health check's outcome, its
 * detail and when it ran, for a live target and for a port nobody listens on.
 */
class TargetHealthStateTest {
    @Test
    @SuppressWarnings("unchecked")
    void theStateCarriesEachTargetsLatestHealthCheck(@TempDir Path dir) throws Exception {
        try (Socket refusing = FreePort.refusing(); NamedTarget live = NamedTarget.start("live")) {
            int deadPort = refusing.getLocalPort();
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    listeners:
                      - name: web
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: app }
                    target_groups:
                      app:
                        targets: ["%s", "127.0.0.1:%d"]
                        health_check: { protocol: tcp, interval: 200ms, timeout: 200ms, unhealthy_threshold: 1 }
                    reload: { watch_files: false }
                    admin:
                      address: 127.0.0.1:0
                    """.formatted(live.address(), deadPort));
            GatewayProcess process = GatewayProcess.start(ConfigParser.parse(config));
            try {
                Map<String, Map<String, Object>> byAddress = Map.of();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < deadline) {
                    var r = AdminHttp.get(process.admin().port(), "/api/v1/state");
                    assertThat(r.statusCode()).isEqualTo(200);
                    Map<String, Object> group = ((List<Map<String, Object>>) ((Map<String, Object>) Json.parse(r.body()))
                            .get("target_groups")).get(0);
                    byAddress = ((List<Map<String, Object>>) group.get("targets")).stream()
                            .collect(java.util.stream.Collectors.toMap(t -> (String) t.get("address"), t -> t));
                    if (byAddress.values().stream().allMatch(t -> t.containsKey("last_check"))
                            && Boolean.FALSE.equals(byAddress.get("127.0.0.1:" + deadPort).get("healthy"))) {
                        break;
                    }
                    Thread.sleep(100);
                }
                Map<String, Object> dead = byAddress.get("127.0.0.1:" + deadPort);
                assertThat(dead).containsEntry("healthy", false);
                Map<String, Object> deadCheck = (Map<String, Object>) dead.get("last_check");
                assertThat(deadCheck).containsEntry("success", false);
                assertThat((String) deadCheck.get("detail")).startsWith("connect failed:").contains("refused");
                assertThat(Instant.parse((String) deadCheck.get("at"))).isBetween(Instant.now().minusSeconds(10), Instant.now());

                Map<String, Object> alive = byAddress.get(live.address());
                assertThat(alive).containsEntry("healthy", true);
                assertThat((Map<String, Object>) alive.get("last_check")).containsEntry("success", true)
                        .containsEntry("detail", "connected");
            } finally {
                process.stop(Duration.ofSeconds(2));
            }
        }
    }
}
