package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful stop that runs out of patience: requests whose target never answers are still in flight when
 * the grace period ends, one on HTTP/1.1 and one on an HTTP/2 connection that would wait for its stream
 * after GOAWAY. The stop still ends both connections (the clients see them close) within a bounded time,
 * and each request gets its access-log line, which says the gateway cut it off: nothing in flight is
 * dropped without a trace.
 */
class GatewayStopTest {

    @Test
    void aRequestStillInFlightWhenTheGraceEndsIsCutOffAndLogged(@TempDir Path dir) throws Exception {
        Path access = dir.resolve("access.log");
        HeldCertificate server = HeldCertificate.builder().commonName("web.test").addSanDns("web.test").serverAuth()
                .build();
        Files.writeString(dir.resolve("server.pem"), server.certificatePem());
        Files.writeString(dir.resolve("server.key"), server.privateKeyPem());
        SslContext tls = SslContextBuilder.forClient().trustManager(server.certificate())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (TcpHealthCheckTest.Silent target = new TcpHealthCheckTest.Silent()) {
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, """
                    listeners:
                      - name: web
                        address: 127.0.0.1:0
                        protocol: https
                        tls: { certificates: [ { certificate: %s, private_key: %s } ] }
                        default_action: { forward: app }
                    target_groups:
                      app: { targets: ["%s"], timeouts: { response: 60s } }
                    logs: { access: %s }
                    reload: { watch_files: false }
                    """.formatted(dir.resolve("server.pem"), dir.resolve("server.key"), target.address(), access));
            Gateway gateway = Gateway.start(ConfigParser.parse(file));
            int port = gateway.boundPort("web");
            Channel h2 = LiveReloadTest.http2Client(loop, tls, "web.test", port, new CompletableFuture<>());
            try (SSLSocket h1 = TlsClients.connect(TlsClients.context(null, server.certificate()), port)) {
                assertThat(h2.pipeline().get(SslHandler.class).handshakeFuture().await(5, TimeUnit.SECONDS)).isTrue();
                assertThat(h2.pipeline().get(SslHandler.class).applicationProtocol()).isEqualTo("h2");
                CompletableFuture<H2Connection.Outcome> stuck = H2Connection.stream(h2,
                        s -> s.writeAndFlush(new DefaultHttp2HeadersFrame(H2Client.request("GET", "/stuck", "h"), true)));
                LiveReloadTest.awaitTrue(Duration.ofSeconds(5), () -> target.bytesRead() > 0,
                        "the HTTP/2 request reached its target");
                int before = target.bytesRead();
                h1.getOutputStream().write("GET /stuck-too HTTP/1.1\r\nHost: web.test\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                LiveReloadTest.awaitTrue(Duration.ofSeconds(5), () -> target.bytesRead() > before,
                        "the HTTP/1.1 request reached its target");

                long start = System.nanoTime();
                gateway.stop(Duration.ofMillis(200));
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(took).as("the stop's length").isLessThan(Duration.ofSeconds(10));
                assertThat(h2.closeFuture().await(2, TimeUnit.SECONDS)).as("the client's connection ended").isTrue();
                assertThat(stuck).as("its stream ended").succeedsWithin(Duration.ofSeconds(2));
                h1.setSoTimeout(2000);
                InputStream in = h1.getInputStream();
                assertThat(in.readAllBytes()).as("the HTTP/1.1 connection ended without a response").isEmpty();
                List<String> lines = Files.readAllLines(access);
                assertThat(lines).as("the access log").hasSize(2);
                assertThat(lines).anyMatch(l -> l.contains(" \"/stuck\" ")).anyMatch(l -> l.contains(" \"/stuck-too\" "))
                        .allMatch(l -> l.endsWith(" \"connection closed: gateway stopped\""));
            } finally {
                h2.close();
                gateway.stop(Duration.ZERO);
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
