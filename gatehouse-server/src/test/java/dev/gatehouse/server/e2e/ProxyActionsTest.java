package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.RuleConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Actions other than forward, refused protocols, client timeouts, draining, and the access log. */
class ProxyActionsTest {

    static RuleConfig.Conditions path(String... patterns) {
        return new RuleConfig.Conditions(List.of(), List.of(patterns), List.of(), Map.of(), Map.of(), List.of(), null);
    }

    @Test
    void fixedResponseRedirectAndDenyAsDefaultActionsAndRules() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a");
             ProxyHarness proxy = ProxyHarness.builder().group("app", a.port())
                     .rule(10, path("/healthz"), new ActionConfig.FixedResponse(200, "text/plain", "ok"))
                     .rule(20, path("/old/*"), new ActionConfig.Redirect(301, "https", null, "8443", "/new#{path}", null))
                     .rule(30, path("/internal/*"), new ActionConfig.Deny(403))
                     .defaultAction(new ActionConfig.Deny(404)).start()) {
            RawHttp.Response fixed = RawHttp.exchange(proxy.port(), "GET /healthz HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            assertThat(fixed.status()).isEqualTo(200);
            assertThat(fixed.header("content-type")).isEqualTo("text/plain");
            assertThat(fixed.text()).isEqualTo("ok");

            RawHttp.Response redirect = RawHttp.exchange(proxy.port(),
                    "GET /old/page?q=1 HTTP/1.1\r\nHost: api.example.com:8080\r\nConnection: close\r\n\r\n");
            assertThat(redirect.status()).isEqualTo(301);
            assertThat(redirect.header("location")).isEqualTo("https://api.example.com:8443/new/old/page?q=1");

            RawHttp.Response deny = RawHttp.exchange(proxy.port(), "GET /internal/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            assertThat(deny.status()).isEqualTo(403);

            RawHttp.Response fallback = RawHttp.exchange(proxy.port(), "GET /other HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            assertThat(fallback.status()).isEqualTo(404);
            assertThat(a.seen).isEmpty();
        }
    }

    @Test
    void redirectPlaceholdersAndDefaultPortIsLeftOut() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.builder()
                .defaultAction(new ActionConfig.Redirect(302, "https", "www.#{host}", "443", null, "from=#{path}&#{query}"))
                .start()) {
            RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET /p?a=b HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).isEqualTo(302);
            assertThat(r.header("location")).isEqualTo("https://www.example.com/p?from=/p&a=b");
        }
    }

    @Test
    void keepAliveSurvivesLocalResponses() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.builder()
                .defaultAction(new ActionConfig.FixedResponse(200, "text/plain", "ok")).start();
             RawHttp c = new RawHttp(proxy.port())) {
            for (int i = 0; i < 3; i++) {
                c.send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
                assertThat(c.read(false).text()).isEqualTo("ok");
            }
        }
    }

    @Test
    void upgradesOtherThanWebSocketAndConnectGet501AndH2cUpgradeIsIgnored() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a");
             ProxyHarness proxy = ProxyHarness.builder().group("app", a.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            // WebSocket is tunnelled (WebSocketThroughGatehouseTest); any other protocol is not.
            RawHttp.Response other = RawHttp.exchange(proxy.port(), "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: IRC/6.9\r\n"
                    + "Connection: Upgrade\r\n\r\n");
            assertThat(other.status()).isEqualTo(501);
            assertThat(other.text()).isEqualTo("501 Not Implemented: protocol upgrade not supported\n");
            RawHttp.Response connect = RawHttp.exchange(proxy.port(), "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
            assertThat(connect.status()).isEqualTo(501);
            RawHttp.Response h2c = RawHttp.exchange(proxy.port(), "GET /h2c HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: Upgrade, HTTP2-Settings, close\r\n\r\n");
            assertThat(h2c.status()).isEqualTo(200);
            assertThat(h2c.text().toLowerCase()).doesNotContain("upgrade").doesNotContain("http2-settings");
            assertThat(a.seen).hasSize(1);
        }
    }

    @Test
    void idleConnectionsCloseAndSlowHeadsGet408() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.builder().timeouts(Duration.ofMillis(300), Duration.ofMillis(300))
                .defaultAction(new ActionConfig.FixedResponse(200, "text/plain", "ok")).start()) {
            try (RawHttp idle = new RawHttp(proxy.port())) {
                idle.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                assertThat(idle.read(false).status()).isEqualTo(200);
                long start = System.nanoTime();
                assertThat(idle.closedByPeer()).isTrue();
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(150L, 3_000L);
            }
            try (RawHttp slow = new RawHttp(proxy.port())) {
                slow.send("GET / HTTP/1.1\r\nHost: h\r\n");
                RawHttp.Response r = slow.read(false);
                assertThat(r.status()).isEqualTo(408);
                assertThat(slow.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void drainClosesIdleConnectionsAndEndsKeepAliveAfterTheResponseInFlight() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a");
             ProxyHarness proxy = ProxyHarness.builder()
                     .group("app", dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing.ROUND_ROBIN,
                             Duration.ofSeconds(2), Duration.ofMillis(700), a.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start();
             RawHttp idle = new RawHttp(proxy.port());
             RawHttp busy = new RawHttp(proxy.port())) {
            idle.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(idle.read(false).status()).isEqualTo(200);
            busy.send("GET /stall HTTP/1.1\r\nHost: h\r\n\r\n"); // answered 504 after 700 ms
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (proxy.stage().inFlight() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(proxy.stage().inFlight()).isEqualTo(1);
            proxy.stage().drain();
            assertThat(idle.closedByPeer()).isTrue();
            RawHttp.Response r = busy.read(false);
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(busy.closedByPeer()).isTrue();
            assertThat(proxy.stage().inFlight()).isZero();
        }
    }

    @Test
    void accessLogHasOneLinePerRequestWithTheDocumentedFields(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a")) {
            int port;
            try (ProxyHarness proxy = ProxyHarness.builder().group("app", a.port()).accessLog(log)
                    .identity(List.of(), "CN=client one,O=Acme \"Q\"")
                    .rule(5, path("/denied"), new ActionConfig.Deny(403))
                    .defaultAction(ActionConfig.Forward.to("app")).start()) {
                port = proxy.port();
                RawHttp.exchange(proxy.port(), "POST /echo?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n"
                        + "Connection: close\r\n\r\nhello");
                RawHttp.exchange(proxy.port(), "GET /denied HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            }
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).hasSize(2);
            // One line per request; the two connections may be on different event loops, and a line is
            // written when its response is done, so the lines' order is not the requests' order.
            String fwd = lines.stream().filter(l -> l.contains(" POST ")).findFirst().orElseThrow();
            String denied = lines.stream().filter(l -> l.contains("/denied")).findFirst().orElseThrow();
            String pattern = "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z TID_[0-9a-f]{32} 127\\.0\\.0\\.1:\\d+ test HTTP/1\\.1 POST "
                    + "\"example\\.com\" \"/echo\\?x=1\" 200 5 (\\d+) default 127\\.0\\.0\\.1:" + a.port()
                    + " \\d+\\.\\d{6} \\d+\\.\\d{6} \"CN=client one,O=Acme \\\\\"Q\\\\\"\" -$";
            assertThat(fwd).matches(pattern);
            assertThat(denied).contains(" GET \"h\" \"/denied\" 403 0 14 5 - ")
                    .endsWith(" \"denied by rule\"");
            assertThat(port).isPositive();
        }
    }
}
