package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketClose;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real WebSocket server (Jetty, {@code /echo} answers every text message with itself) behind a real
 * Gatehouse, and a real WebSocket client (Jetty's) presenting a client certificate to a {@code verify}
 * listener over HTTP/1.1 ({@code Upgrade: websocket}) and over HTTP/2 (extended CONNECT, RFC 8441). The
 * server records the identity header of each opening handshake. The listener's {@code tunnel_idle} is
 * 1.5 s on a second listener, so that an idle tunnel's end can be watched.
 */
class WebSocketThroughGatehouseTest {
    static final int MESSAGES = 1_000;

    @TempDir
    static Path dir;
    static Server jetty;
    static Gateway gateway;
    static final BlockingQueue<String> subjects = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Gatehouse Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost")
                .serverAuth().build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate clientCa = HeldCertificate.builder().subject("CN=Devices CA,O=Acme").ca(0).build();
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.certificatePem());
        client = HeldCertificate.builder().subject("CN=device-42,O=Acme").signedBy(clientCa).clientAuth().build();
        WebSocketThroughGatehouseTest.serverCa = serverCa;

        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(WebSocketUpgradeHandler.from(jetty, container -> {
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/echo", (request, response, callback) -> {
                subjects.add(String.valueOf(request.getHeaders().get("X-Amzn-Mtls-Clientcert-Subject")));
                return new Echo();
            });
        }));
        jetty.start();

        Files.createDirectories(dir.resolve("logs"));
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: ws }
                  - name: short
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    timeouts: { tunnel_idle: 1500ms }
                    default_action: { forward: ws }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  ws:
                    targets: [ "127.0.0.1:%d" ]
                logs:
                  access: logs/access.log
                """.formatted(connector.getLocalPort()));
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    static HeldCertificate client;
    static HeldCertificate serverCa;

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (jetty != null) {
            jetty.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http/1.1", "h2"})
    void thousandMessagesBothWaysWithTheIdentityOnTheUpgrade(String protocol) throws Exception {
        subjects.clear();
        WebSocketClient ws = client(protocol);
        try {
            Collector collector = new Collector();
            ClientUpgradeRequest upgrade = new ClientUpgradeRequest();
            upgrade.setHeader("X-Amzn-Mtls-Clientcert-Subject", "CN=forged"); // replaced by the real one
            Session session = ws.connect(collector, URI.create("wss://127.0.0.1:" + gateway.boundPort("verify")
                    + "/echo"), upgrade).get(10, TimeUnit.SECONDS);
            assertThat(subjects.poll(5, TimeUnit.SECONDS)).isEqualTo("O=Acme,CN=device-42");
            for (int i = 0; i < MESSAGES; i++) {
                session.sendText("message " + i + " " + "x".repeat(i % 200), Callback.NOOP);
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                String m = collector.messages.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("message %d of %d", i, MESSAGES).isNotNull();
                got.add(m);
            }
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(got.get(i)).isEqualTo("message " + i + " " + "x".repeat(i % 200));
            }
            session.close();
            assertThat(collector.closed.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            ws.stop();
        }
        // One line for the whole tunnel: the method the client used, its status, and why it ended (after
        // the close handshake, whichever side closes its connection first).
        String line = awaitLogLine(l -> l.contains("\"/echo\"") && l.contains("tunnel closed by the")
                && l.contains(protocol.equals("h2") ? "HTTP/2.0 CONNECT " : "HTTP/1.1 GET "));
        assertThat(line).contains(protocol.equals("h2") ? "\" 200 " : "\" 101 ");
    }

    @Test
    void anIdleTunnelClosesAtTunnelIdle() throws Exception {
        WebSocketClient ws = client("http/1.1");
        try {
            Collector collector = new Collector();
            Session session = ws.connect(collector, URI.create("wss://127.0.0.1:" + gateway.boundPort("short")
                    + "/echo"), new ClientUpgradeRequest()).get(10, TimeUnit.SECONDS);
            session.sendText("ping", Callback.NOOP);
            assertThat(collector.messages.poll(5, TimeUnit.SECONDS)).isEqualTo("ping");
            long start = System.nanoTime();
            assertThat(collector.closed.await(10, TimeUnit.SECONDS)).as("the tunnel closed").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1000));
        } finally {
            ws.stop();
        }
        awaitLogLine(l -> l.contains("tunnel idle timeout"));
    }

    static WebSocketClient client(String protocol) throws Exception {
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setSslContext(TlsClients.context(client, serverCa.certificate()));
        ssl.setEndpointIdentificationAlgorithm(null);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        HttpClient http = new HttpClient(protocol.equals("h2")
                ? new HttpClientTransportOverHTTP2(new HTTP2Client(connector))
                : new HttpClientTransportOverHTTP(connector));
        WebSocketClient ws = new WebSocketClient(http);
        ws.setIdleTimeout(Duration.ofMinutes(5));
        ws.start();
        return ws;
    }

    static String awaitLogLine(java.util.function.Predicate<String> matches) throws Exception {
        Path log = dir.resolve("logs/access.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                Optional<String> line = Files.readAllLines(log).stream().filter(matches).findFirst();
                if (line.isPresent()) {
                    return line.get();
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such access-log line in:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"));
    }

    /** The server's endpoint: every text message back as it came. */
    @WebSocket
    public static final class Echo {
        @OnWebSocketMessage
        public void onText(Session session, String message) {
            session.sendText(message, Callback.NOOP);
        }
    }

    /** The client's endpoint: what came back, and whether the connection closed. */
    @WebSocket
    public static final class Collector {
        final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);

        @OnWebSocketMessage
        public void onText(String message) {
            messages.add(message);
        }

        @OnWebSocketClose
        public void onClose(int status, String reason) {
            closed.countDown();
        }
    }
}
