package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.EchoTarget;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Connections reset by the client in the middle of the TLS handshake (scanners, load balancers' health
 * probes, clients that give up): ordinary internet noise, counted in the connection log and never logged
 * as an error with a stack trace.
 */
class ConnectionResetTest {
    /** The first bytes of a TLS 1.2/1.3 ClientHello: record header and handshake header, then a few of 508. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8};

    @TempDir
    Path dir;
    Gateway gateway;
    EchoTarget target;
    ListAppender<ILoggingEvent> captured;

    @AfterEach
    void stop() {
        if (captured != null) {
            ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(captured);
        }
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void resetsMidHandshakeAreLoggedAsConnectionsWithoutWarningsOrStackTraces() throws Exception {
        target = EchoTarget.start();
        HeldCertificate ca = HeldCertificate.builder().commonName("Reset CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(ca).addSanIp("127.0.0.1").serverAuth().build()
                .writeTo(dir, "server");
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                listeners:
                  - name: tls
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    default_action: { forward: echo }
                target_groups:
                  echo: { targets: [ "%s" ] }
                logs:
                  connection: logs/connection.log
                """.formatted(target.address()));
        gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
        int port = gateway.boundPort("tls");

        captured = new ListAppender<>();
        captured.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(captured);

        int resets = 20;
        for (int i = 0; i < resets; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                OutputStream out = s.getOutputStream();
                out.write(PARTIAL_CLIENT_HELLO);
                out.flush();
                Thread.sleep(20); // the gateway has read the partial ClientHello: the reset comes mid-handshake
                s.setSoLinger(true, 0); // close sends RST
            }
        }

        Path log = dir.resolve("logs/connection.log");
        List<String> lines = List.of();
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            if (lines.size() >= resets) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(lines).hasSize(resets).allSatisfy(l -> assertThat(l).contains("Failed:UnmappedConnectionError"));
        Thread.sleep(200); // anything logged on the event loops after the last line was written
        List<ILoggingEvent> events = List.copyOf(captured.list);
        assertThat(events).as("log events at WARN or above").noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        assertThat(events).as("log events with a stack trace").noneMatch(e -> e.getThrowableProxy() != null);
    }
}
