package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.TargetGroupConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Load balancing, failover, and what a client sees when a target refuses, dies, stalls or resets. */
class ProxyTargetFailureTest {
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(proxy.url(path))).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void roundRobinSpreadsRequestsEvenly() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a"); ProxyTargets.Http b = ProxyTargets.Http.start("b");
             ProxyHarness proxy = ProxyHarness.builder().group("app", a.port(), b.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            Map<String, Integer> count = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = get(proxy, "/rr");
                assertThat(r.statusCode()).isEqualTo(200);
                count.merge(r.headers().firstValue("x-target").orElseThrow(), 1, Integer::sum);
            }
            assertThat(count).containsEntry("a", 5).containsEntry("b", 5);
        }
    }

    @Test
    void leastOutstandingRequestsPrefersTheIdleTarget() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a"); ProxyTargets.Http b = ProxyTargets.Http.start("b");
             ProxyHarness proxy = ProxyHarness.builder()
                     .group("app", TargetGroupConfig.LoadBalancing.LEAST_OUTSTANDING_REQUESTS, Duration.ofSeconds(2),
                             Duration.ofSeconds(30), a.port(), b.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            // One request stalls on a target; every later request goes to the other one.
            var stalled = client.sendAsync(HttpRequest.newBuilder(URI.create(proxy.url("/stall"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (a.seen.isEmpty() && b.seen.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            String busy = a.seen.isEmpty() ? "b" : "a";
            for (int i = 0; i < 6; i++) {
                assertThat(get(proxy, "/lor").headers().firstValue("x-target")).isPresent().get().isNotEqualTo(busy);
            }
            stalled.cancel(true);
        }
    }

    @Test
    void getsFailOverWithoutClientVisibleErrorsWhenATargetStops() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a"); ProxyTargets.Http b = ProxyTargets.Http.start("b");
             ProxyHarness proxy = ProxyHarness.builder().group("app", a.port(), b.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            for (int i = 0; i < 4; i++) {
                assertThat(get(proxy, "/warm").statusCode()).isEqualTo(200); // pooled connections to both
            }
            b.close();
            Thread.sleep(200); // the target's FIN reaches the idle pooled connections
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = get(proxy, "/after-stop");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("x-target")).hasValue("a");
            }
        }
    }

    @Test
    void aPostWhoseBodyReachedATargetThatDiedIsNotReplayed() throws Exception {
        AtomicLong bodyBytesSeen = new AtomicLong();
        try (ProxyTargets.Raw dying = ProxyTargets.Raw.start(s -> {
                 InputStream in = s.getInputStream();
                 String head = ProxyTargets.readHead(in);
                 bodyBytesSeen.addAndGet(ProxyTargets.readBody(in, ProxyTargets.contentLength(head)));
                 s.setSoLinger(true, 0); // dies: reset, no response
             });
             ProxyTargets.Http other = ProxyTargets.Http.start("other");
             ProxyHarness proxy = ProxyHarness.builder().group("app", dying.port(), other.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/pay")))
                    .POST(HttpRequest.BodyPublishers.ofString("amount=100")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).startsWith("502 Bad Gateway: target ");
            assertThat(bodyBytesSeen.get()).isEqualTo(10);
            Thread.sleep(100);
            assertThat(other.seen).isEmpty();
        }
    }

    @Test
    void refusedEverywhereGives502() throws Exception {
        try (ProxyHarness proxy = ProxyHarness.builder().group("app", unusedPort(), unusedPort())
                .defaultAction(ActionConfig.Forward.to("app")).start()) {
            HttpResponse<String> r = get(proxy, "/");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(r.body()).isEqualTo("502 Bad Gateway: target refused the connection\n");
        }
    }

    /** A proxy in front of {@code a} whose target response timeout is 400 ms. */
    static ProxyHarness withResponseTimeout400ms(ProxyTargets.Http a) throws Exception {
        return ProxyHarness.builder()
                .group("app", TargetGroupConfig.LoadBalancing.ROUND_ROBIN, Duration.ofSeconds(2),
                        Duration.ofMillis(400), a.port())
                .defaultAction(ActionConfig.Forward.to("app")).start();
    }

    @Test
    void aStallingTargetGives504AfterTheResponseTimeout() throws Exception {
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a");
             ProxyHarness proxy = withResponseTimeout400ms(a)) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(proxy, "/stall");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).isEqualTo("504 Gateway Timeout: target response timeout\n");
            assertThat(millis).isBetween(350L, 5_000L);
            // The connection still serves the next request.
            assertThat(get(proxy, "/fine").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void onAKeepAliveConnectionEachRequestGetsTheWholeResponseTimeoutOfItsOwn() throws Exception {
        // The response timer of a connection is armed once and re-checked when it fires: a stalled request
        // that follows a quick one must still get its whole timeout, counted from its own start.
        try (ProxyTargets.Http a = ProxyTargets.Http.start("a");
             ProxyHarness proxy = withResponseTimeout400ms(a);
             RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(200);
            Thread.sleep(250); // the first request's deadline is 150 ms away
            long start = System.nanoTime();
            c.send("GET /stall HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttp.Response stalled = c.read(false);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(stalled.status()).isEqualTo(504);
            assertThat(stalled.text()).isEqualTo("504 Gateway Timeout: target response timeout\n");
            assertThat(millis).isBetween(380L, 5_000L);
            // Past every deadline armed so far, the same connection's next quick request is answered.
            Thread.sleep(450);
            c.send("GET /fine HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read(false).status()).isEqualTo(200);
        }
    }

    @Test
    void aTargetThatDiesMidResponseClosesTheClientConnection() throws Exception {
        try (ProxyTargets.Raw truncating = ProxyTargets.Raw.start(s -> {
                 ProxyTargets.readHead(s.getInputStream());
                 OutputStream out = s.getOutputStream();
                 out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly-this".getBytes(StandardCharsets.US_ASCII));
                 out.flush();
                 Thread.sleep(100);
                 s.setSoLinger(true, 0);
             });
             ProxyHarness proxy = ProxyHarness.builder().group("app", truncating.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start();
             RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /cut HTTP/1.1\r\nHost: h\r\n\r\n");
            int got;
            try {
                got = c.read(false).body().length; // truncated at the close
            } catch (IOException e) {
                got = -1; // or reset
            }
            assertThat(got).isLessThan(1000);
        }
    }

    @Test
    void aGarbledResponseGives502() throws Exception {
        try (ProxyTargets.Raw garbled = ProxyTargets.Raw.start(s -> {
                 ProxyTargets.readHead(s.getInputStream());
                 s.getOutputStream().write("SMTP ready\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                 s.getOutputStream().flush();
                 Thread.sleep(200);
             });
             ProxyHarness proxy = ProxyHarness.builder().group("app", garbled.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            HttpResponse<String> r = get(proxy, "/x");
            assertThat(r.statusCode()).isEqualTo(502);
        }
    }
}
