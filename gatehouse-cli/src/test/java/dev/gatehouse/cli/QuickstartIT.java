package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.Tools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, end to end: runs the real {@code bin/gatehouse quickstart} as a process
 * (after the runnable jar is packaged), runs the curl commands it prints, and stops it with SIGTERM.
 */
class QuickstartIT {
    @TempDir
    Path dir;

    @Test
    void quickstartServesTheDemoClientAndRefusesOthers() throws Exception {
        Tools.assumeInstalled("curl");
        Path root = Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();
        Path script = root.resolve("bin/gatehouse");
        assertThat(script).isExecutable();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(script.toString(), "quickstart", "--dir", dir.toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        try {
            List<String> output = new ArrayList<>();
            String withCert = null;
            String withoutCert = null;
            String metrics = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && (withCert == null || withoutCert == null || !String.join("\n", output).contains("Ctrl-C"))) {
                String l = lines.poll(1, TimeUnit.SECONDS);
                if (l == null) {
                    assertThat(p.isAlive()).as("quickstart exited early:\n" + String.join("\n", output)).isTrue();
                    continue;
                }
                output.add(l);
                String t = l.trim();
                if (t.startsWith("http://127.0.0.1:") && t.contains("/metrics")) {
                    metrics = t.substring(0, t.indexOf(' '));
                } else if (t.startsWith("curl ") && t.contains("--cert ")) {
                    withCert = t;
                } else if (t.startsWith("curl ")) {
                    withoutCert = t;
                }
            }
            assertThat(withCert).as(String.join("\n", output)).isNotNull();
            assertThat(withoutCert).as(String.join("\n", output)).isNotNull();

            Result ok = sh(withCert + " -sS --max-time 10");
            assertThat(ok.exit).as(ok.out).isZero();
            assertThat(ok.out).contains("\"X-amzn-mtls-clientcert-subject\": \"CN=demo-client,O=Gatehouse Quickstart\"");

            Result refused = sh(withoutCert + " -sS --max-time 10");
            assertThat(refused.exit).as(refused.out).isNotZero();

            // the admin listener it printed counts both handshakes
            assertThat(metrics).as(String.join("\n", output)).isNotNull();
            HttpResponse<String> scraped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.body()).contains(
                    "gatehouse_tls_handshakes_total{code=\"none\",listener=\"quickstart\",result=\"success\"} 1.0",
                    "gatehouse_tls_handshakes_total{code=\"ClientCertMissing\",listener=\"quickstart\",result=\"failure\"} 1.0");

            assertThat(Files.getPosixFilePermissions(dir.resolve("client.key")))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            // the connection log is written by its own thread, a few milliseconds after the handshake
            Path connectionLog = dir.resolve("logs/connection.log");
            long logDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String log = Files.readString(connectionLog);
            while (!(log.contains("Success") && log.contains("Failed:ClientCertMissing"))
                    && System.nanoTime() < logDeadline) {
                Thread.sleep(20);
                log = Files.readString(connectionLog);
            }
            assertThat(log).contains("Success").contains("Failed:ClientCertMissing");
        } finally {
            p.destroy(); // SIGTERM: graceful stop
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isZero();
    }

    record Result(int exit, String out) {}

    static Result sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
