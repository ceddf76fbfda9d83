package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.EchoTarget;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reload.drain_timeout} on real sockets: the connections a reload left on the replaced
 * configuration (an idle HTTP/1.1 keep-alive connection, a TLS passthrough relay, which has no request to
 * end it, and an HTTP/2 connection, which gets GOAWAY) are closed once the timeout has passed; without the key both stay open and keep
 * working, as before.
 */
class ReloadDrainTimeoutTest {
    private static final String CONFIG = """
            listeners:
              - name: web
                address: 127.0.0.1:0
                protocol: http
                default_action: { forward: app }
              - name: relay
                address: 127.0.0.1:0
                protocol: tls_passthrough
                default_action: { forward: brokers }
            target_groups:
              app: { targets: ["%s"] }
              brokers: { targets: ["%s"], health_check: { protocol: tcp } }
            %s
            """;

    @Test
    void connectionsOfTheReplacedConfigurationCloseOnceTheDrainTimeoutHasPassed(@TempDir Path dir) throws Exception {
        try (EchoTarget app = EchoTarget.start();
             TcpHealthCheckTest.Silent brokers = new TcpHealthCheckTest.Silent();
             CapturedLog log = CapturedLog.of("dev.gatehouse.server.RuntimeState")) {
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, CONFIG.formatted(app.address(), brokers.address(), "reload: { watch_files: false, drain_timeout: 1s }"));
            Gateway gateway = Gateway.start(ConfigParser.parse(file));
            try (Socket web = new Socket(InetAddress.getLoopbackAddress(), gateway.boundPort("web"));
                 Socket relay = relayed(gateway.boundPort("relay"), brokers)) {
                assertThat(exchange(web)).startsWith("HTTP/1.1 200").doesNotContain("connection: close");

                // A reload with a change (so it is one); both connections stay on the replaced configuration.
                Files.writeString(file, CONFIG.formatted(app.address(), brokers.address(),
                        "reload: { watch_files: false, drain_timeout: 1s }\nshutdown_timeout: 5s"));
                ReloadResult result = gateway.reload();
                assertThat(result.success()).as(result.toString()).isTrue();
                long reloaded = System.nanoTime();

                // Still open before the deadline: nothing arrives, nothing ends.
                assertThat(readsWithin(web, Duration.ofMillis(400))).isEqualTo(-2);
                assertThat(readsWithin(relay, Duration.ofMillis(100))).isEqualTo(-2);

                assertThat(readsWithin(web, Duration.ofSeconds(5))).as("the idle keep-alive connection ends").isEqualTo(-1);
                assertThat(readsWithin(relay, Duration.ofSeconds(5))).as("the relay ends").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - reloaded)).isBetween(Duration.ofMillis(900),
                        Duration.ofSeconds(4));
                LiveReloadTest.awaitTrue(Duration.ofSeconds(2), () -> log.messages(Level.INFO).stream()
                        .anyMatch(m -> m.contains("drain_timeout")), "the drain's log line");
                assertThat(log.messages(Level.INFO)).anyMatch(m -> m.startsWith("configuration generation 1 was replaced"
                        + " 1s ago (reload.drain_timeout): closing its 1 HTTP connections") && m.endsWith("and its 1 relayed"
                        + " connections"));

                // New connections are served by the new configuration.
                try (Socket again = new Socket(InetAddress.getLoopbackAddress(), gateway.boundPort("web"))) {
                    assertThat(exchange(again)).startsWith("HTTP/1.1 200");
                }
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void withoutADrainTimeoutTheReplacedConfigurationsConnectionsRunOn(@TempDir Path dir) throws Exception {
        try (EchoTarget app = EchoTarget.start();
             TcpHealthCheckTest.Silent brokers = new TcpHealthCheckTest.Silent()) {
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, CONFIG.formatted(app.address(), brokers.address(), "reload: { watch_files: false }"));
            Gateway gateway = Gateway.start(ConfigParser.parse(file));
            try (Socket web = new Socket(InetAddress.getLoopbackAddress(), gateway.boundPort("web"));
                 Socket relay = relayed(gateway.boundPort("relay"), brokers)) {
                assertThat(exchange(web)).startsWith("HTTP/1.1 200");
                Files.writeString(file, CONFIG.formatted(app.address(), brokers.address(),
                        "reload: { watch_files: false }\nshutdown_timeout: 5s"));
                assertThat(gateway.reload().success()).isTrue();

                assertThat(readsWithin(web, Duration.ofMillis(2500))).isEqualTo(-2);
                assertThat(readsWithin(relay, Duration.ofMillis(100))).isEqualTo(-2);
                // The relay still carries bytes to its target; the keep-alive connection answers once more, with
                // Connection: close (a reload's usual way to move a client to the new configuration).
                int before = brokers.bytesRead();
                relay.getOutputStream().write("more".getBytes(StandardCharsets.US_ASCII));
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (brokers.bytesRead() < before + 4 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(brokers.bytesRead()).isEqualTo(before + 4);
                assertThat(exchange(web)).startsWith("HTTP/1.1 200").contains("connection: close");
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void anHttp2ConnectionOfTheReplacedConfigurationGetsGoawayAtTheDeadline(@TempDir Path dir) throws Exception {
        HeldCertificate server = HeldCertificate.builder().commonName("web.test").addSanDns("web.test").serverAuth()
                .build();
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        String yaml = """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: https
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    default_action: { forward: app }
                target_groups:
                  app: { targets: ["%s"] }
                reload: { watch_files: false, drain_timeout: 1s }
                """;
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (EchoTarget app = EchoTarget.start()) {
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, yaml.formatted(app.address()));
            Gateway gateway = Gateway.start(ConfigParser.parse(file));
            try {
                SslContext tls = SslContextBuilder.forClient().trustManager(server.certificate())
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                        .build();
                CompletableFuture<Long> goaway = new CompletableFuture<>();
                int port = gateway.boundPort("web");
                Channel h2 = LiveReloadTest.http2Client(loop, tls, "web.test", port, goaway);
                assertThat(h2.pipeline().get(SslHandler.class).handshakeFuture().await(5, TimeUnit.SECONDS)).isTrue();
                assertThat(h2.pipeline().get(SslHandler.class).applicationProtocol()).isEqualTo("h2");

                Files.writeString(file, yaml.formatted(app.address()) + "shutdown_timeout: 5s\n");
                assertThat(gateway.reload().success()).isTrue();
                assertThat(goaway.isDone()).as("no GOAWAY before the deadline").isFalse();
                assertThat(goaway.get(5, TimeUnit.SECONDS)).as("GOAWAY with NO_ERROR at the deadline").isZero();
                assertThat(h2.closeFuture().await(5, TimeUnit.SECONDS)).as("then the idle connection closes").isTrue();
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A connection through the passthrough listener to {@code brokers}, once its ClientHello has reached it. */
    private static Socket relayed(int port, TcpHealthCheckTest.Silent brokers) throws Exception {
        int before = brokers.bytesRead();
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        byte[] hello = clientHello("broker.test");
        s.getOutputStream().write(hello);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (brokers.bytesRead() < before + hello.length && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(brokers.bytesRead()).as("the ClientHello was relayed").isEqualTo(before + hello.length);
        return s;
    }

    /** The bytes of a real TLS ClientHello naming {@code serverName}. */
    private static byte[] clientHello(String serverName) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(serverName, 443);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(params);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    /** One request on {@code s}; returns the response head, lower-cased. */
    private static String exchange(Socket s) throws IOException {
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        String head = ProxyTargets.readHead(in);
        in.readNBytes((int) ProxyTargets.contentLength(head));
        return "HTTP/1.1" + head.substring(8).toLowerCase(java.util.Locale.ROOT);
    }

    /** What a read on {@code s} sees within {@code limit}: a byte, -1 at the end of the stream, -2 for nothing. */
    private static int readsWithin(Socket s, Duration limit) throws IOException {
        s.setSoTimeout((int) limit.toMillis());
        try {
            return s.getInputStream().read();
        } catch (SocketTimeoutException nothing) {
            return -2;
        } catch (IOException reset) {
            return -1; // a reset ends the stream too
        }
    }
}
