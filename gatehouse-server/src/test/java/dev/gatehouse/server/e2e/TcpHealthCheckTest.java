package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.FreePort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code health_check.protocol: tcp}, the check for targets that do not speak HTTP (those of a TLS
 * passthrough listener: MQTT brokers, databases, TLS services of their own), against real sockets: a
 * target that accepts connections but never answers is healthy by a tcp check and unhealthy by an HTTP
 * one; a port nobody listens on is unhealthy; on an https group the check is a TLS handshake with the
 * target's certificate verified (a wrong server name makes the target unhealthy); and a group with
 * {@code proxy_protocol: v2} starts each check with a PROXY v2 {@code LOCAL} header, without which its
 * target (which reads a header before TLS) would fail every handshake.
 */
class TcpHealthCheckTest {
    @Test
    void tcpChecksJudgeTheConnectionAndTheVerifiedHandshakeNotAnHttpAnswer(@TempDir Path dir) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Health Test CA").ca(0).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        try (Socket dead = FreePort.refusing();
             Silent silent = new Silent();
             TlsPassthroughTest.TlsTarget plain = TlsPassthroughTest.TlsTarget.start("plain", HeldCertificate.builder()
                     .commonName("plain.test").addSanDns("plain.test").signedBy(ca).serverAuth().build(), false);
             TlsPassthroughTest.TlsTarget proxied = TlsPassthroughTest.TlsTarget.start("proxied", HeldCertificate.builder()
                     .commonName("proxied.test").addSanDns("proxied.test").signedBy(ca).serverAuth().build(), true);
             CapturedLog log = CapturedLog.of("dev.gatehouse.server.target.HealthChecker")) {
            int deadPort = dead.getLocalPort();
            // Two failures in a row make a target unhealthy, so one slow first handshake of a cold JVM does not.
            String check = "interval: 300ms, timeout: 300ms, healthy_threshold: 1, unhealthy_threshold: 2";
            Files.writeString(dir.resolve("gatehouse.yaml"), """
                    listeners:
                      - name: router
                        address: 127.0.0.1:0
                        protocol: tls_passthrough
                        rules:
                          - when: { sni: ["silent-tcp.test"] }
                            then: { forward: silent-tcp }
                          - when: { sni: ["silent-http.test"] }
                            then: { forward: silent-http }
                          - when: { sni: ["dead.test"] }
                            then: { forward: dead-tcp }
                          - when: { sni: ["wrong.test"] }
                            then: { forward: tls-wrong-name }
                          - when: { sni: ["proxied.test"] }
                            then: { forward: proxied }
                        default_action: { forward: tls-tcp }
                    trust_stores:
                      targets: { ca_certificates: ca.pem }
                    target_groups:
                      silent-tcp: { targets: ["%1$s"], health_check: { protocol: tcp, %2$s } }
                      silent-http: { targets: ["%1$s"], health_check: { %2$s } }
                      dead-tcp: { targets: ["127.0.0.1:%3$d"], health_check: { protocol: tcp, %2$s } }
                      tls-tcp:
                        protocol: https
                        targets: ["127.0.0.1:%4$d"]
                        tls: { trust_store: targets, server_name: plain.test }
                        health_check: { protocol: tcp, %2$s }
                      tls-wrong-name:
                        protocol: https
                        targets: ["127.0.0.1:%4$d"]
                        tls: { trust_store: targets, server_name: wrong.test }
                        health_check: { protocol: tcp, %2$s }
                      proxied:
                        protocol: https
                        targets: ["127.0.0.1:%5$d"]
                        tls: { trust_store: targets, server_name: proxied.test }
                        proxy_protocol: v2
                        health_check: { protocol: tcp, %2$s }
                    """.formatted(silent.address(), check, deadPort, plain.port(), proxied.port()));
            Gateway gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
            try {
                Map<String, Boolean> expected = Map.of("silent-tcp", true, "silent-http", false, "dead-tcp", false,
                        "tls-tcp", true, "tls-wrong-name", false, "proxied", true);
                // Targets start healthy: wait until every check has had its say a few times over.
                Map<String, Boolean> health = Map.of();
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < deadline) {
                    Thread.sleep(600);
                    health = expected.keySet().stream().collect(Collectors.toMap(g -> g,
                            g -> gateway.state().targetGroups().group(g).targets().get(0).healthy()));
                    if (health.equals(expected)) {
                        break;
                    }
                }
                assertThat(health).isEqualTo(expected);
                assertThat(silent.accepted()).as("the silent target was connected to by its checks").isPositive();

                List<String> warnings = log.messages(Level.WARN);
                assertThat(warnings).anyMatch(m -> m.startsWith("target group dead-tcp: target 127.0.0.1:" + deadPort
                        + " is unhealthy") && m.contains("TCP connection") && m.contains("connect failed"));
                assertThat(warnings).anyMatch(m -> m.startsWith("target group tls-wrong-name:")
                        && m.contains("TLS connection"));
                assertThat(warnings).anyMatch(m -> m.startsWith("target group silent-http:")
                        && m.contains("no answer within 300ms"));

                // The passthrough listener still relays to the checked group's target.
                assertThat(TlsPassthroughTest.certificateSubjectVia(dir.resolve("ca.pem"), "plain.test",
                        gateway.boundPort("router"))).contains("CN=plain.test");
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    /** A TCP service that accepts connections and never sends a byte, holding them until closed (it counts what it reads). */
    static final class Silent implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final AtomicInteger read = new AtomicInteger();
        private final Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    held.add(s);
                    Thread reader = new Thread(() -> {
                        byte[] buf = new byte[4096];
                        try {
                            for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
                                read.addAndGet(n);
                            }
                        } catch (IOException closed) {
                            // the connection ended
                        }
                    }, "silent-target-reader");
                    reader.setDaemon(true);
                    reader.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "silent-target");

        Silent() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        int accepted() {
            return held.size();
        }

        /** Bytes read so far from every connection. */
        int bytesRead() {
            return read.get();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
