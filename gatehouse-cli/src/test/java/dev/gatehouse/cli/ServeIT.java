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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/gatehouse serve} as an operator meets it: a bad config exits 2 with the error, SIGHUP
 * reloads the configuration (and never stops the gateway), SIGUSR1 reopens the logs after logrotate
 * renamed them, SIGTERM lets an in-flight request finish, then the process exits 0 and nothing listens.
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
        int port = freePort();
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
        Process p = new ProcessBuilder(script().toString(), "serve", "--warmup", "6s", "--config", config.toString())
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
            assertThat(Files.readString(dir.resolve("serve.out"))).contains("SIGHUP")
                    .containsPattern("warm-up: [1-9][0-9]* connections \\([1-9][0-9]* devices never seen, [0-9]+ resumed"
                            + " sessions, [1-9][0-9]* over HTTP/2\\), [1-9][0-9]* requests \\(0 failed\\)");
            assertThat(Files.readString(dir.resolve("logs/access.log"))).contains("/work").contains(" 200 ")
                    .doesNotContain("/warm-up");
        } finally {
            p.destroyForcibly();
            slow.stop(0);
        }
    }

    @Test
    void sighupReloadsTheConfigurationAndSigusr1ContinuesTheLogsInAFreshFileAfterLogrotateRenamedThem()
            throws Exception {
        int port = freePort();
        Path config = dir.resolve("gatehouse.yaml");
        Process p = serveVersionOne(port);
        HttpClient client = HttpClient.newHttpClient();
        int requests = 0;
        try {
            awaitListening(port, p);
            assertThat(get(client, port, "/version")).isEqualTo("one");
            requests++;

            Files.writeString(config, versioned(port, "two"));
            kill("HUP", p);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String version;
            do {
                version = get(client, port, "/version");
                requests++;
                assertThat(System.nanoTime()).as("SIGHUP did not reload: %s", Files.readString(dir.resolve("serve.out")))
                        .isLessThan(deadline);
            } while (!version.equals("two"));
            assertThat(p.isAlive()).isTrue();

            Path log = dir.resolve("logs/access.log");
            for (int i = 0; i < 30; i++) {
                assertThat(get(client, port, "/before-rotation")).isEqualTo("before");
                requests++;
            }
            Files.move(log, dir.resolve("logs/access.log.1"));
            kill("USR1", p);
            deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(log)) {
                assertThat(System.nanoTime()).as("SIGUSR1 did not reopen the log").isLessThan(deadline);
                Thread.sleep(50);
            }
            for (int i = 0; i < 40; i++) {
                assertThat(get(client, port, "/after-rotation")).isEqualTo("after");
            }
            p.destroy(); // SIGTERM: the logs are flushed
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();

            java.util.List<String> rotated = Files.readAllLines(dir.resolve("logs/access.log.1"));
            java.util.List<String> fresh = Files.readAllLines(log);
            assertThat(rotated).as("every request before the rotation, in the renamed file").hasSize(requests)
                    .noneMatch(l -> l.contains("/after-rotation"));
            assertThat(fresh).as("every request after it, in the fresh file").hasSize(40)
                    .allMatch(l -> l.contains("\"/after-rotation\""));
            String out = Files.readString(dir.resolve("serve.out"));
            assertThat(out).contains("reloading: SIGHUP").contains("configuration generation 2")
                    .contains("reopened 2 log files");
        } finally {
            p.destroyForcibly();
        }
    }

    /** A plain-http listener whose {@code /version} says {@code version}; watching is off: only SIGHUP reloads. */
    private static String versioned(int port, String version) {
        return """
                reload: { watch_files: false }
                listeners:
                  - name: plain
                    address: 127.0.0.1:%d
                    protocol: http
                    rules:
                      - { priority: 1, when: { path: ["/version"] }, then: { fixed_response: { status: 200, body: "%s" } } }
                      - { priority: 2, when: { path: ["/before-rotation"] }, then: { fixed_response: { status: 200, body: "before" } } }
                      - { priority: 3, when: { path: ["/after-rotation"] }, then: { fixed_response: { status: 200, body: "after" } } }
                    default_action: { fixed_response: { status: 404 } }
                logs: { access: logs/access.log, connection: logs/connection.log }
                """.formatted(port, version);
    }

    private static String get(HttpClient client, int port, String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void aGatewayStartedWithSighupIgnoredSaysThatSighupWillNotReload() throws Exception {
        int port = freePort();
        // as nohup starts it: SIGHUP ignored before the JVM starts, which the JVM then leaves ignored
        Process p = serveVersionOne(port, "sh", "-c", "trap '' HUP; exec \"$0\" \"$@\"");
        try {
            awaitListening(port, p);
            assertThat(Files.readString(dir.resolve("serve.out")))
                    .contains("SIGHUP is ignored in this process").contains("POST /api/v1/reload");
            kill("HUP", p);
            Thread.sleep(500);
            assertThat(p.isAlive()).as("still serving after SIGHUP").isTrue();
            assertThat(get(HttpClient.newHttpClient(), port, "/version")).isEqualTo("one");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Writes the configuration answering {@code /version} with "one" on {@code port} and starts
     * {@code bin/gatehouse serve} on it (through {@code launcher}, if given), its output in serve.out.
     */
    private Process serveVersionOne(int port, String... launcher) throws IOException {
        Path config = dir.resolve("gatehouse.yaml");
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(config, versioned(port, "one"));
        List<String> cmd = new ArrayList<>(List.of(launcher));
        cmd.addAll(List.of(script().toString(), "serve", "--warmup", "0", "--config", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("serve.out").toFile())
                .start();
    }

    private static void kill(String signal, Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
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
