package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.pki.testing.HeldCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/gatehouse serve} as an operator meets it: a bad config exits 2 with the error, SIGHUP is
 * ignored, SIGTERM lets an in-flight request finish, then the process exits 0 and nothing listens.
 */
class ServeIT {
    @TempDir
    Path dir;

    static Path script() {
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();
        return root.resolve("bin/gatehouse");
    }

    @Test
    void brokenConfigExitsTwoNamingFileLineAndKey() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, """
                listeners:
                  - address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: nowhere }
                """);
        Process p = new ProcessBuilder(script().toString(), "serve", "--config", config.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains(config + ":4: listeners[0].default_action");
    }

    @Test
    void sigtermLetsTheInFlightRequestFinishThenExitsZero() throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        slow.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            requestArrived.countDown();
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow but complete".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body);
            }
        });
        slow.start();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").addSanIp("127.0.0.1").build();
        server.writeTo(dir, "server");
        Path config = dir.resolve("gatehouse.yaml");
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(config, """
                shutdown_timeout: 10s
                listeners:
                  - name: plain
                    address: 127.0.0.1:%d
                    protocol: http
                    default_action: { forward: slow }
                target_groups:
                  slow: { targets: [ "127.0.0.1:%d" ] }
                logs: { access: logs/access.log }
                """.formatted(port, slow.getAddress().getPort()));
        Process p = new ProcessBuilder(script().toString(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("serve.out").toFile()).start();
        try {
            awaitListening(port, p);
            new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).start().waitFor();
            Thread.sleep(300);
            assertThat(p.isAlive()).as("SIGHUP must not stop the gateway").isTrue();

            HttpClient client = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/work")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(requestArrived.await(10, TimeUnit.SECONDS)).isTrue();
            p.destroy(); // SIGTERM
            HttpResponse<String> response = inFlight.get(20, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("slow but complete");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(dir.resolve("serve.out"))).isZero();
            try (Socket probe = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> probe.connect(new InetSocketAddress("127.0.0.1", port), 1000))
                        .isInstanceOf(ConnectException.class);
            }
            assertThat(Files.readString(dir.resolve("serve.out"))).contains("SIGHUP");
            assertThat(Files.readString(dir.resolve("logs/access.log"))).contains("/work").contains(" 200 ");
        } finally {
            p.destroyForcibly();
            slow.stop(0);
        }
    }

    private static void awaitListening(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(p.isAlive()).as("serve exited early").isTrue();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("gateway did not listen on " + port);
    }
}
