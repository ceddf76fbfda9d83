package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.Nginx;
import dev.gatehouse.server.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A target that speaks HTTP/2 only (Debian's nginx, {@code listen ... http2} in clear, so prior knowledge)
 * behind a {@code protocol_version: http2} group, reached by {@code curl} over HTTP/1.1 and HTTP/2 through
 * a {@code verify} listener. nginx answers with the protocol it was spoken to in and the identity header
 * it received; its access log names the connection of each request.
 */
class Http2TargetTest {
    @TempDir
    static Path dir;
    static Nginx nginx;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Nginx.installed(), "nginx is not installed (/usr/sbin/nginx)");
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Gatehouse Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost")
                .serverAuth().build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate clientCa = HeldCertificate.builder().subject("CN=Services CA,O=Acme").ca(0).build();
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.certificatePem());
        HeldCertificate.builder().subject("CN=ops-7,O=Acme").signedBy(clientCa).clientAuth().build()
                .writeTo(dir, "client");

        nginx = Nginx.start(dir, """
                    log_format h2 "$request $server_protocol connection=$connection";
                    server {
                        listen 127.0.0.1:%2$d http2;
                        access_log %1$s/nginx-access.log h2;
                        default_type text/plain;
                        location / {
                            return 200 "proto=$server_protocol subject=$http_x_amzn_mtls_clientcert_subject\\n";
                        }
                    }
                """);
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: h2 }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  h2:
                    protocol_version: http2
                    targets: [ "127.0.0.1:%d" ]
                """.formatted(nginx.port()));
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    @ParameterizedTest(name = "curl {0}")
    @ValueSource(strings = {"--http1.1", "--http2"})
    void anHttp2OnlyTargetAnswersWithTheIdentityOfTheCaller(String protocol) throws Exception {
        Processes.Result r = Processes.run(curl(protocol, "-H", "X-Amzn-Mtls-Clientcert-Subject: CN=forged",
                "-w", "%{http_code} %{http_version}", "/hello"));
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo("proto=HTTP/2.0 subject=O=Acme,CN=ops-7\n200 "
                + (protocol.equals("--http2") ? "2" : "1.1"));
    }

    @Test
    void requestsShareOneConnectionToTheTarget() throws Exception {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            paths.add("/shared/" + i);
        }
        // One curl, one client connection (one event loop): its requests take streams of one target connection.
        Processes.Result r = Processes.run(curl("--http2", paths.toArray(new String[0])));
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout().lines()).hasSize(5).allMatch(l -> l.startsWith("proto=HTTP/2.0 "));
        List<String> lines = nginx.awaitAccessLines(l -> l.startsWith("GET /shared/"), 5);
        assertThat(lines).hasSize(5);
        assertThat(lines.stream().map(l -> l.substring(l.indexOf("connection="))).distinct()).hasSize(1);
    }

    static List<String> curl(String protocol, String... args) {
        int port = gateway.boundPort("verify");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", protocol,
                "--cacert", dir.resolve("server-ca.pem").toString(),
                "--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString(),
                "--resolve", "localhost:" + port + ":127.0.0.1"));
        for (String a : args) {
            cmd.add(a.startsWith("/") ? "https://localhost:" + port + a : a);
        }
        return cmd;
    }
}
