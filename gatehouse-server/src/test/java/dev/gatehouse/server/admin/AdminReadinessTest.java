package dev.gatehouse.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.AdminConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.observe.Telemetry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
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

/** {@code /readyz}: 503 while starting, 200 while every listener serves, 503 while draining. */
class AdminReadinessTest {
    @TempDir
    Path dir;

    @Test
    void aStartingGatewayIsNotReadyAndHasNoStateYet() throws Exception {
        try (AdminServer admin = AdminServer.start(new AdminConfig(TargetAddress.of("127.0.0.1", 0),
                ConfigLocation.synthetic("admin.address")), new Telemetry())) {
            var ready = AdminHttp.get(admin.port(), "/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).isEqualTo("starting\n");
            assertThat(AdminHttp.get(admin.port(), "/healthz").statusCode()).isEqualTo(200);
            assertThat(AdminHttp.get(admin.port(), "/api/v1/state").statusCode()).isEqualTo(503);
            assertThat(AdminHttp.send(admin.port(), "POST", "/api/v1/reload").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void readyWhileServingThenNotReadyWhileDrainingAnInFlightRequest() throws Exception {
        CountDownLatch requestArrived = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        try (ServerSocket slowTarget = new ServerSocket(0)) {
            Thread targetThread = new Thread(() -> {
                try (Socket s = slowTarget.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[4096];
                    in.read(buf);
                    requestArrived.countDown();
                    answer.await(30, TimeUnit.SECONDS);
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    s.getInputStream().read(buf);
                } catch (IOException | InterruptedException e) {
                    // the test's own assertions say what went wrong
                }
            });
            targetThread.start();
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    listeners:
                      - name: web
                        address: 127.0.0.1:0
                        protocol: http
                        default_action: { forward: slow }
                    target_groups:
                      slow:
                        targets: [ "127.0.0.1:%d" ]
                    admin:
                      address: 127.0.0.1:0
                    """.formatted(slowTarget.getLocalPort()));
            GatewayProcess process = GatewayProcess.start(ConfigParser.parse(config));
            int adminPort = process.admin().port();
            assertThat(AdminHttp.get(adminPort, "/readyz").statusCode()).isEqualTo(200);

            int webPort = process.gateway().boundPort("web");
            CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
                try (Socket c = new Socket("127.0.0.1", webPort)) {
                    c.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    return new String(c.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            assertThat(requestArrived.await(20, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> process.stop(Duration.ofSeconds(30)));
            List<Integer> seen = new ArrayList<>();
            // Poll while the gateway drains: the in-flight request holds the stop until it is answered.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                int status = AdminHttp.get(adminPort, "/readyz").statusCode();
                seen.add(status);
                if (status == 503) {
                    break;
                }
                Thread.sleep(10);
            }
            assertThat(seen).last().isEqualTo(503);
            assertThat(AdminHttp.get(adminPort, "/readyz").body()).isEqualTo("draining\n");
            assertThat(stopping).isNotDone();
            answer.countDown();
            assertThat(inFlight.get(20, TimeUnit.SECONDS)).isEqualTo("HTTP/1.1 200");
            stopping.get(30, TimeUnit.SECONDS);
            // Stopped: the admin listener closed after the gateway.
            try (Socket again = new Socket("127.0.0.1", adminPort)) {
                throw new AssertionError("the admin listener still accepts after the stop: " + again);
            } catch (ConnectException expected) {
                assertThat(expected).isNotNull();
            }
            targetThread.join(5_000);
        }
    }
}
