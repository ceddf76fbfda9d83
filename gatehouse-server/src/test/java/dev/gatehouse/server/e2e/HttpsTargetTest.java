package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.NamedTarget;
import dev.gatehouse.server.testing.Nginx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protocol: https} target groups against a real nginx that requires a client certificate
 * ({@code ssl_verify_client on}) and a JDK HTTPS target with a pinned self-signed certificate: the
 * target's certificate and name are checked by the gateway's verifier (a wrong name or an untrusted
 * certificate is a 502 whose access-log reason says why, and a warning), Gatehouse's own client
 * certificate is accepted by nginx, and health checks run over the same verified TLS.
 */
class HttpsTargetTest {
    @TempDir
    static Path dir;

    static Nginx nginx;
    static NamedTarget pinned;
    static Gateway gateway;
    static int nginxPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Nginx.installed(), "nginx is not installed (/usr/sbin/nginx)");
        HeldCertificate targetCa = HeldCertificate.builder().subject("CN=Target CA,O=Gatehouse Test").ca(0).build();
        HeldCertificate.builder().commonName("target.internal").addSanDns("target.internal").signedBy(targetCa)
                .serverAuth().build().writeTo(dir, "nginx");
        Files.writeString(dir.resolve("target-ca.pem"), targetCa.certificatePem());
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Some Other CA").ca(0).build();
        Files.writeString(dir.resolve("other-ca.pem"), otherCa.certificatePem());

        HeldCertificate gatewayCa = HeldCertificate.builder().commonName("Gatehouse Client CA").ca(0).build();
        Files.writeString(dir.resolve("gateway-ca.pem"), gatewayCa.certificatePem());
        HeldCertificate.builder().subject("CN=gatehouse-1,O=Gatehouse").signedBy(gatewayCa).clientAuth().build()
                .writeTo(dir, "gateway-client");

        HeldCertificate selfSigned = HeldCertificate.builder().commonName("pinned.internal").addSanDns("pinned.internal")
                .serverAuth().build();
        Files.writeString(dir.resolve("pinned.pem"), selfSigned.certificatePem());
        pinned = NamedTarget.start("pinned", selfSigned);

        nginx = Nginx.start(dir, """
                    server {
                        listen 127.0.0.1:%2$d ssl;
                        server_name target.internal;
                        ssl_certificate %1$s/nginx.pem;
                        ssl_certificate_key %1$s/nginx.key;
                        ssl_client_certificate %1$s/gateway-ca.pem;
                        ssl_verify_client on;
                        default_type text/plain;
                        location = /health { return 200 "ok\\n"; }
                        location / { return 200 "nginx client=$ssl_client_s_dn verify=$ssl_client_verify sni=$ssl_server_name\\n"; }
                    }
                """);
        nginxPort = nginx.port();

        String yaml = """
                listeners:
                  - name: web
                    address: 127.0.0.1:0
                    protocol: http
                    rules:
                      - { priority: 1, when: { path: ["/good/*"] }, then: { forward: good } }
                      - { priority: 2, when: { path: ["/wrong-name/*"] }, then: { forward: wrong-name } }
                      - { priority: 3, when: { path: ["/no-client-cert/*"] }, then: { forward: no-client-cert } }
                      - { priority: 4, when: { path: ["/untrusted/*"] }, then: { forward: untrusted } }
                      - { priority: 5, when: { path: ["/pinned/*"] }, then: { forward: pinned } }
                    default_action: { deny: {} }
                trust_stores:
                  targets: { ca_certificates: target-ca.pem }
                  other: { ca_certificates: other-ca.pem }
                  pinned: { ca_certificates: pinned.pem }
                target_groups:
                  good:
                    protocol: https
                    targets: ["127.0.0.1:%1$d"]
                    tls: { trust_store: targets, server_name: target.internal,
                           certificate: gateway-client.pem, private_key: gateway-client.key }
                    health_check: { path: /health, interval: 200ms, timeout: 200ms }
                  wrong-name:
                    protocol: https
                    targets: ["127.0.0.1:%1$d"]
                    tls: { trust_store: targets, server_name: wrong.internal,
                           certificate: gateway-client.pem, private_key: gateway-client.key }
                  no-client-cert:
                    protocol: https
                    targets: ["127.0.0.1:%1$d"]
                    tls: { trust_store: targets, server_name: target.internal }
                  untrusted:
                    protocol: https
                    targets: ["127.0.0.1:%1$d"]
                    tls: { trust_store: other, server_name: target.internal,
                           certificate: gateway-client.pem, private_key: gateway-client.key }
                  pinned:
                    protocol: https
                    targets: ["%2$s"]
                    tls: { trust_store: pinned, server_name: pinned.internal }
                logs: { access: access.log }
                """.formatted(nginxPort, pinned.address());
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (pinned != null) {
            pinned.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void nginxWithSslVerifyClientAcceptsGatehousesClientCertificate() throws Exception {
        HttpResponse<String> r = get("/good/hello");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).containsPattern("client=\\S*CN=gatehouse-1").contains("verify=SUCCESS")
                .contains("sni=target.internal");
        assertThat(nginx.awaitAccessLines(l -> l.contains("GET /good/hello"), 1)).hasSize(1);
    }

    @Test
    void healthChecksRunOverTheSameVerifiedTls() throws Exception {
        assertThat(nginx.awaitAccessLines(l -> l.contains("\"GET /health HTTP/1.1\" 200"), 1)).isNotEmpty();
        assertThat(gateway.state().targetGroups().group("good").targets().get(0).healthy()).isTrue();
    }

    @Test
    void withoutItsClientCertificateNginxRefusesTheRequest() throws Exception {
        HttpResponse<String> r = get("/no-client-cert/hello");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("No required SSL certificate was sent");
    }

    @Test
    void aWrongServerNameIs502WithTheReasonInTheAccessLog() throws Exception {
        HttpResponse<String> r = get("/wrong-name/hello");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("target certificate refused (wrong.internal)");
        String line = awaitLine("\"/wrong-name/hello\"");
        assertThat(line).contains(" 502 ").contains("\"target certificate refused (wrong.internal): ");
        System.out.println("access log: " + line);
    }

    @Test
    void anUntrustedTargetCertificateIs502() throws Exception {
        HttpResponse<String> r = get("/untrusted/hello");
        assertThat(r.statusCode()).isEqualTo(502);
        String line = awaitLine("\"/untrusted/hello\"");
        assertThat(line).contains(" 502 ").contains("\"target certificate refused (target.internal): ");
        System.out.println("access log: " + line);
    }

    @Test
    void aPinnedSelfSignedTargetCertificateIsTrusted() throws Exception {
        HttpResponse<String> r = get("/pinned/hello");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body().trim()).isEqualTo("target=pinned");
    }

    @Test
    void aTrustStoreThatAlsoJudgesClientCertificatesMayNotPin() throws Exception {
        Path config = dir.resolve("pin-on-listener.yaml");
        Files.writeString(config, """
                listeners:
                  - name: mtls
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: nginx.pem, private_key: nginx.key } ] }
                    mutual_authentication: { mode: verify, trust_store: pinned }
                    default_action: { forward: pinned }
                trust_stores:
                  pinned: { ca_certificates: pinned.pem }
                target_groups:
                  pinned:
                    protocol: https
                    targets: ["127.0.0.1:1"]
                    tls: { trust_store: pinned }
                """);
        assertThatThrownBy(() -> Gateway.start(ConfigParser.parse(config)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pinned.pem");
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.boundPort("web") + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String awaitLine(String containing) throws Exception {
        Path log = dir.resolve("access.log");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(containing)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access-log line with " + containing);
    }
}
