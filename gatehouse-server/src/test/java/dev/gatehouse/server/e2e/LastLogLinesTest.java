package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.testing.EchoTarget;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No log line is lost when a log file closes together with the connections that write to it: the
 * connections a stop cuts off (even when the thread that stops it is interrupted), and the last connections
 * of a configuration that a reload replaced with other log files, all have their lines in the file. Here every connection is still in its handshake when
 * it ends; its one connection-log line is written by its handlers after the close itself, and the close is
 * what gives back the state (and the log files) it held.
 */
class LastLogLinesTest {
    /** Enough connections that the last ones' handlers are still to run when the state is given back. */
    private static final int CONNECTIONS = 400;

    @TempDir
    Path dir;
    Gateway gateway;
    EchoTarget target;
    final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        target = EchoTarget.start();
        HeldCertificate ca = HeldCertificate.builder().commonName("Last Lines CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(ca).addSanIp("127.0.0.1").serverAuth().build()
                .writeTo(dir, "server");
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("gatehouse.yaml"), yaml("logs/first.log"));
        gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    private String yaml(String connectionLog) {
        return """
                listeners:
                  - name: tls
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    timeouts: { request_head: 60s }
                    default_action: { forward: echo }
                target_groups:
                  echo: { targets: [ "%s" ] }
                logs:
                  connection: %s
                reload: { watch_files: false }
                """.formatted(target.address(), connectionLog);
    }

    @Test
    void aStopLogsEveryConnectionItCutsOff() throws Exception {
        connectAll();
        gateway.stop(Duration.ofSeconds(1));
        assertThat(lines("logs/first.log")).as("one line per connection the stop closed").hasSize(CONNECTIONS)
                .allMatch(l -> l.contains("Failed:UnmappedConnectionError"));
    }

    @Test
    void anInterruptedStopStillLogsEveryConnectionItCutsOffAndKeepsTheInterrupt() throws Exception {
        connectAll();
        Thread.currentThread().interrupt(); // an embedder's thread, interrupted as it stops the gateway
        gateway.stop(Duration.ofSeconds(1));
        assertThat(Thread.interrupted()).as("the interrupt, kept for the caller").isTrue();
        assertThat(lines("logs/first.log")).as("one line per connection the stop closed").hasSize(CONNECTIONS)
                .allMatch(l -> l.contains("Failed:UnmappedConnectionError"));
    }

    @Test
    void theLastConnectionsOfAReplacedConfigurationAreLoggedInItsFile() throws Exception {
        connectAll();
        Files.writeString(dir.resolve("gatehouse.yaml"), yaml("logs/second.log"));
        ReloadResult reloaded = gateway.reload();
        assertThat(reloaded.success()).as(reloaded.toString()).isTrue();
        assertThat(gateway.openLogFiles()).isEqualTo(2);

        for (Socket s : clients) {
            s.setSoLinger(true, 0); // a reset: all of them end at once
            s.close();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gateway.openLogFiles() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(gateway.openLogFiles()).as("the replaced configuration's log file, given back").isEqualTo(1);
        // Its writer is closing it now: what it had queued comes; what came after the close never does.
        List<String> first = lines("logs/first.log");
        while (first.size() < CONNECTIONS && System.nanoTime() < deadline) {
            Thread.sleep(20);
            first = lines("logs/first.log");
        }
        assertThat(first).as("one line per connection of the replaced configuration")
                .hasSize(CONNECTIONS).allMatch(l -> l.contains("Failed:UnmappedConnectionError"));
        assertThat(lines("logs/second.log")).isEmpty();
    }

    /** Opens the connections and waits until the gateway has accepted every one (none sends anything). */
    private void connectAll() throws Exception {
        int port = gateway.boundPort("tls");
        for (int i = 0; i < CONNECTIONS; i++) {
            Socket s = new Socket();
            clients.add(s);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (openConnections() < CONNECTIONS && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(openConnections()).as("connections accepted").isEqualTo(CONNECTIONS);
    }

    private double openConnections() {
        for (MetricSnapshot m : gateway.telemetry().registry().scrape()) {
            if (m.getMetadata().getPrometheusName().equals("gatehouse_connections_open")) {
                for (DataPointSnapshot p : m.getDataPoints()) {
                    if ("tls".equals(p.getLabels().get("listener"))) {
                        return ((GaugeSnapshot.GaugeDataPointSnapshot) p).getValue();
                    }
                }
            }
        }
        return 0;
    }

    private List<String> lines(String file) throws Exception {
        Path log = dir.resolve(file);
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> !l.startsWith("#")).toList() : List.of();
    }
}
