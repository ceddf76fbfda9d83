package dev.gatehouse.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.e2e.TlsClients;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.EchoTarget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener over HTTPS, with real handshakes: without mutual authentication anyone who trusts its
 * certificate gets {@code /healthz}; in mode verify an admin certificate from the named trust store gets the
 * JSON API, while a client without a certificate or with an untrusted one fails the handshake, counted
 * and logged.
 */
class AdminTlsTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static HeldCertificate serverCa;
    static HeldCertificate admin;
    static HeldCertificate stranger;
    static GatewayProcess plain;
    static GatewayProcess verifying;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        serverCa = HeldCertificate.builder().commonName("Admin TLS Test Server CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build();
        server.writeTo(dir, "server");
        HeldCertificate adminsCa = HeldCertificate.builder().commonName("Admins CA").ca(0).build();
        admin = HeldCertificate.builder().commonName("ops").signedBy(adminsCa).clientAuth().build();
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Other CA").ca(0).build();
        stranger = HeldCertificate.builder().commonName("stranger").signedBy(otherCa).clientAuth().build();
        Files.writeString(dir.resolve("admins-ca.pem"), adminsCa.certificatePem());
        plain = GatewayProcess.start(ConfigParser.parse(config("plain", "")));
        verifying = GatewayProcess.start(ConfigParser.parse(config("verifying",
                "  mutual_authentication: { mode: verify, trust_store: admins }\n")));
    }

    static Path config(String name, String mutual) throws IOException {
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: echo }
                trust_stores:
                  admins: { ca_certificates: admins-ca.pem }
                target_groups:
                  echo: { targets: [ "%s" ] }
                reload: { watch_files: false }
                admin:
                  address: 127.0.0.1:0
                  tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                """.formatted(target.address()) + mutual);
        return file;
    }

    @AfterAll
    static void stop() {
        for (GatewayProcess p : new GatewayProcess[] {plain, verifying}) {
            if (p != null) {
                p.stop(Duration.ofSeconds(2));
            }
        }
        if (target != null) {
            target.close();
        }
    }

    static HttpResponse<String> get(GatewayProcess process, HeldCertificate client, String path) throws Exception {
        return get(process, client, path, "*/*", HttpResponse.BodyHandlers.ofString());
    }

    static <T> HttpResponse<T> get(GatewayProcess process, HeldCertificate client, String path, String accept,
                                   HttpResponse.BodyHandler<T> body) throws Exception {
        SSLContext ctx = TlsClients.context(client, serverCa.certificate());
        HttpClient http = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + process.admin().port() + path))
                .header("Accept", accept).timeout(Duration.ofSeconds(20)).build(), body);
    }

    @Test
    void healthzIsServedOverHttps() throws Exception {
        HttpResponse<String> r = get(plain, null, "/healthz");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.uri().getScheme()).isEqualTo("https");
    }

    @Test
    void plainHttpIsNotAnsweredOnATlsAdminListener() {
        assertThatThrownBy(() -> AdminHttp.get(plain.admin().port(), "/healthz")).isInstanceOf(IOException.class);
    }

    @Test
    void anAdminCertificateFromTheTrustStoreGetsTheState() throws Exception {
        HttpResponse<String> r = get(verifying, admin, "/api/v1/state");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"web\"");
    }

    @Test
    void aClientWithoutACertificateFailsTheHandshake() {
        assertThatThrownBy(() -> get(verifying, null, "/healthz")).isInstanceOf(IOException.class);
    }

    @Test
    void aClientWithAnUntrustedCertificateFailsTheHandshake() {
        assertThatThrownBy(() -> get(verifying, stranger, "/healthz")).isInstanceOf(IOException.class);
    }

    @Test
    void refusedHandshakesAreCountedAndLoggedWithTheClientAndTheReason() throws Exception {
        double failedBefore = handshakes("failure");
        double succeededBefore = handshakes("success");
        try (CapturedLog log = CapturedLog.of(AdminHandshakes.class)) {
            assertThat(oneHandshake(stranger)).as("a stranger's request").isFalse();
            assertThat(oneHandshake(null)).as("a request without a certificate").isFalse();
            // the server counts a refusal when its side of the handshake ends, which can be after the client's
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (handshakes("failure") < failedBefore + 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(handshakes("failure")).isEqualTo(failedBefore + 2);
            // the stranger's line says which certificate and why (from the trust store's verifier)
            assertThat(log.messages(Level.WARN)).anySatisfy(m -> assertThat(m)
                    .startsWith("admin: TLS handshake from /127.0.0.1:").contains("failed: ").contains("CN=stranger")
                    .contains("admins-ca.pem"));
            assertThat(log.messages(Level.WARN)).hasSizeGreaterThanOrEqualTo(2);
        }
        // each scrape is an accepted handshake of its own (the HTTP client opens a new connection)
        assertThat(handshakes("success")).isGreaterThan(succeededBefore);
    }

    /**
     * One connection to the verifying admin listener and one request on it (no client that retries):
     * whether it was answered.
     */
    static boolean oneHandshake(HeldCertificate client) throws Exception {
        SSLContext ctx = TlsClients.context(client, serverCa.certificate());
        try (SSLSocket s = TlsClients.connect(ctx, verifying.admin().port())) {
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200");
        } catch (IOException refused) {
            return false;
        }
    }

    /** {@code gatehouse_admin_tls_handshakes_total{result}} as the verifying gateway's /metrics says now. */
    static double handshakes(String result) throws Exception {
        HttpResponse<byte[]> r = get(verifying, admin, "/metrics", Scrape.PROTOBUF_ACCEPT,
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        Double v = new Scrape(r.body()).value("gatehouse_admin_tls_handshakes_total", "result", result);
        assertThat(v).as("gatehouse_admin_tls_handshakes_total{result=%s}", result).isNotNull();
        return v;
    }
}
