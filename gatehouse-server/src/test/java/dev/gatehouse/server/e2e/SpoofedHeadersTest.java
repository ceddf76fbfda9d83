package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The name families of headers that other proxies use for a client certificate, sent by curl to a real
 * listener of each mode (verify, passthrough, off, plain HTTP): none of them reaches the target, in any
 * spelling, while ordinary headers with similar names still do.
 */
class SpoofedHeadersTest {
    @TempDir
    static Path dir;

    static RecordingTarget target;
    static Gateway gateway;

    /** One spelling per family member the listeners must strip, with case and '_' variations. */
    static final List<String> SPOOFED = List.of(
            "X-Client-Cert", "X-Client-Certificate", "X-Client-Verify", "X-Client-DN", "x-client-s-dn",
            "X_Client_Cert_Chain", "X-SSL-Client-Verify", "X-SSL-Client-S-DN", "x-ssl-client-dn",
            "X_SSL_CLIENT_I_DN", "X-SSL-Client-Serial", "Ssl-Client-Cert", "SSL_CLIENT_S_DN", "X-ARR-ClientCert",
            "X-Amzn-Mtls-Clientcert-Foo", "x_amzn_mtls_clientcert_serial", "X-Forwarded-Client-Cert-Info",
            "Client-Cert-Chain", "X-SSL-Cert-Issuer", "X-Forwarded-Client-Cert", "Client-Cert", "client_cert_chain");

    /** Names that only look alike: they must still reach the target. */
    static final List<String> ORDINARY = List.of(
            "X-Client-Id", "X-SSL-Protocol", "X-Amzn-Trace-Id", "X-Clientcert-Note", "Client-Certainty");

    @BeforeAll
    static void start() throws Exception {
        target = RecordingTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Spoof Test Server CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").serverAuth().build();
        server.writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate root = HeldCertificate.builder().commonName("Spoof Test Client CA").ca(0).build();
        HeldCertificate.builder().commonName("client-1").signedBy(root).clientAuth().build().writeTo(dir, "client");
        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());
        String tls = "tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }";
        String yaml = """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: app }
                  - name: passthrough
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: passthrough }
                    default_action: { forward: app }
                  - name: off
                    address: 127.0.0.1:0
                    %1$s
                    default_action: { forward: app }
                  - name: plain
                    address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: app }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  app: { targets: [ "127.0.0.1:%2$d" ] }
                """.formatted(tls, target.port());
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify", "passthrough", "off", "plain"})
    void noSpellingOfAForwardedCertificateHeaderReachesTheTarget(String listener) throws Exception {
        int port = gateway.boundPort(listener);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "10"));
        if (listener.equals("plain")) {
            cmd.add("http://127.0.0.1:" + port + "/spoof");
        } else {
            cmd.addAll(List.of("--cacert", dir.resolve("server-ca.pem").toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1"));
            if (listener.equals("verify")) {
                cmd.addAll(List.of("--cert", dir.resolve("client.pem").toString(),
                        "--key", dir.resolve("client.key").toString()));
            }
            cmd.add("https://localhost:" + port + "/spoof");
        }
        for (String name : SPOOFED) {
            cmd.addAll(List.of("-H", name + ": spoofed-by-client"));
        }
        for (String name : ORDINARY) {
            cmd.addAll(List.of("-H", name + ": kept"));
        }
        int before = target.requests.size();
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(target.requests).hasSize(before + 1);
        RecordingTarget.Request received = List.copyOf(target.requests).get(before);
        for (String name : SPOOFED) {
            assertThat(received.headers(name)).as(listener + ": " + name).isEmpty();
        }
        assertThat(received.headLines()).as(listener).noneMatch(line -> line.toLowerCase(Locale.ROOT).contains("spoofed-by-client"));
        for (String name : ORDINARY) {
            assertThat(received.headers(name)).as(listener + ": " + name).containsExactly("kept");
        }
    }
}
