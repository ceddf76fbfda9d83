package dev.gatehouse.server.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.CertificateVerifier;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.pki.VerdictReport;
import dev.gatehouse.pki.VerificationParameters;
import dev.gatehouse.server.admin.GatewayProcess;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.testing.FreePort;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up warm-up: real mutual-TLS handshakes of every kind against a throwaway gateway, nothing left
 * behind (files, listeners), nothing of it in the real gateway's metrics, and {@code /readyz} 503 meanwhile.
 */
class WarmupTest {
    @TempDir
    Path dir;

    @Test
    void theThrowawayPkiPassesTheGatewaysOwnVerifier() throws Exception {
        WarmupPki pki = new WarmupPki();
        TrustStore store = TrustStore.of("warm-up", List.of(pki.root), List.of(), TrustStoreLimits.DEFAULTS,
                TrustStore.Use.CLIENT_VERIFICATION);
        CertificateVerifier verifier = new CertificateVerifier();
        Verdict client = verifier.verify(store, List.of(pki.client), VerificationParameters.client());
        assertThat(client.isSuccess()).as(VerdictReport.text(client)).isTrue();
        Verdict device = verifier.verify(store, List.of(pki.newDevice(), pki.intermediate), VerificationParameters.client());
        assertThat(device.isSuccess()).as(VerdictReport.text(device)).isTrue();
        assertThat(pki.newDevice().getSerialNumber()).isNotEqualTo(pki.newDevice().getSerialNumber());
    }

    @Test
    void drivesDevicesReturningClientsResumedSessionsKeepAliveAndHttp2ThenLeavesNothingBehind() throws Exception {
        List<Path> before = warmupDirectories();
        Warmup.Report r = Warmup.run(Duration.ofSeconds(4), () -> false, null);

        assertThat(r.failed()).as(r.summary()).isZero();
        assertThat(r.newDevices()).as(r.summary()).isPositive();
        // Every worker's round has as many resuming connections as returning ones with a full handshake,
        // and the first connection of a client cannot resume: most, not all, of them resume.
        assertThat(r.resumed()).as(r.summary()).isPositive();
        assertThat(r.connections()).as(r.summary()).isGreaterThan(r.newDevices() + r.resumed());
        assertThat(r.requests()).as("keep-alive connections carry several requests: %s", r.summary())
                .isGreaterThan(r.connections());
        // HTTP/2 connections, every stream answered (failed is zero): the HTTP/2 stage is warm too.
        assertThat(r.http2()).as(r.summary()).isPositive();
        assertThat(r.took()).isLessThan(Duration.ofSeconds(4 + 10));
        assertThat(warmupDirectories()).as("the throwaway PKI, config and logs are deleted").isEqualTo(before);
    }

    @Test
    void theFirstQuarterOfTheBudgetMakesKeepAliveConnectionsAlone() {
        // A 40 s budget begins with 10 s of keep-alive connections; stopped after about 2 s, the warm-up
        // has made no other kind (no device, no resumption, no HTTP/2, no one-request connection).
        long t0 = System.nanoTime();
        Warmup.Report r = Warmup.run(Duration.ofSeconds(40),
                () -> System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(2), null);

        assertThat(r.connections()).as(r.summary()).isPositive();
        assertThat(r.failed()).as(r.summary()).isZero();
        assertThat(r.newDevices()).as(r.summary()).isZero();
        assertThat(r.resumed()).as(r.summary()).isZero();
        assertThat(r.http2()).as(r.summary()).isZero();
        assertThat(r.requests()).as("every connection a keep-alive one: %s", r.summary())
                .isEqualTo(r.connections() * Warmup.KEEP_ALIVE_REQUESTS);
    }

    @Test
    void aStopRequestEndsTheWarmupAtOnce() {
        long t0 = System.nanoTime();
        Warmup.Report r = Warmup.run(Duration.ofMinutes(5), () -> true, null);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        assertThat(r.settled()).isFalse();
    }

    @Test
    void readyzSaysStartingDuringTheWarmupAndTheRealGatewayCountsNoneOfIt() throws Exception {
        int adminPort = FreePort.loopback();
        int port = FreePort.loopback();
        var parsed = realConfig(port, adminPort);
        CompletableFuture<GatewayProcess> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return GatewayProcess.start(parsed, Duration.ofSeconds(3), () -> false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        boolean sawStarting = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!starting.isDone() && System.nanoTime() < deadline) {
            try {
                HttpResponse<String> ready = get(http, adminPort, "/readyz");
                if (ready.statusCode() == 503 && ready.body().equals("starting\n") && !starting.isDone()) {
                    sawStarting = true;
                }
            } catch (IOException e) {
                // the admin listener is not up yet
            }
            Thread.sleep(100);
        }
        try (GatewayProcess process = starting.get(30, TimeUnit.SECONDS)) {
            assertThat(sawStarting).as("/readyz answered 503 starting while the warm-up ran").isTrue();
            assertThat(get(http, adminPort, "/readyz").statusCode()).isEqualTo(200);
            assertThat(get(http, port, "/").body()).isEqualTo("real");
            String metrics = get(http, adminPort, "/metrics").body();
            assertThat(metrics).contains("listener=\"web\"").doesNotContain("warm-up");
            assertThat(metrics.lines().filter(l -> l.startsWith("gatehouse_verdict_cache_lookups_total")).toList())
                    .as("the warm-up's verdicts are forgotten, with their counts").isNotEmpty()
                    .allSatisfy(l -> assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).isZero());
            assertThat(process.gateway().telemetry().rejections().latest(1000)).isEmpty();
        }
    }

    @Test
    void aStopDuringTheWarmupBindsNothingAndClosesTheAdminListener() throws Exception {
        int adminPort = FreePort.loopback();
        int port = FreePort.loopback();
        assertThat(GatewayProcess.start(realConfig(port, adminPort), Duration.ofSeconds(30), () -> true)).isNull();
        for (int p : new int[] {port, adminPort}) {
            try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).as("port %d is free again", p).isEqualTo(p);
            }
        }
    }

    /** The real gateway: one plain-HTTP listener answering "real", and the admin listener. */
    private GatewayConfig realConfig(int port, int adminPort) throws Exception {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: web
                    address: 127.0.0.1:%d
                    protocol: http
                    default_action: { fixed_response: { status: 200, body: "real" } }
                admin:
                  address: 127.0.0.1:%d
                """.formatted(port, adminPort));
        return ConfigParser.parse(config);
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }


    private static List<Path> warmupDirectories() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("gatehouse-warmup")).sorted().toList();
        }
    }
}
