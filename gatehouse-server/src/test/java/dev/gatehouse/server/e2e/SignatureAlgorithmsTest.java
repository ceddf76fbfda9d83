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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No SHA-1 or MD5 in TLS 1.2 handshake signatures on BoringSSL listeners of every mode, with {@code openssl
 * s_client}: a client that offers only SHA-1 is refused rather than sent a SHA-1-signed key exchange, and
 * a client certificate's CertificateVerify signed with SHA-1 is refused. (The CertificateRequest's list is
 * BoringSSL's default, which netty-tcnative cannot change; the JDK fallback's is checked in
 * {@link JdkFallbackTest}.)
 */
class SignatureAlgorithmsTest {
    @TempDir
    static Path dir;

    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Sigalg Server CA").rsa(2048).ca(0).build();
        HeldCertificate.builder().commonName("localhost").rsa(2048).signedBy(serverCa).addSanDns("localhost").serverAuth()
                .build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate root = HeldCertificate.builder().commonName("Sigalg Client Root").rsa(2048).ca(0).build();
        Files.writeString(dir.resolve("clients.pem"), root.certificatePem());
        HeldCertificate.builder().commonName("device").rsa(2048).signedBy(root).clientAuth().build().writeTo(dir, "client");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { fixed_response: { status: 200 } }
                  - name: passthrough
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: passthrough }
                    default_action: { fixed_response: { status: 200 } }
                  - name: off
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    default_action: { fixed_response: { status: 200 } }
                trust_stores:
                  clients: { ca_certificates: clients.pem }
                logs: { connection: connection.log }
                """);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(1));
        }
    }

    static Processes.Result sClient(String listener, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.boundPort(listener),
                "-servername", "localhost", "-tls1_2", "-ign_eof", "-CAfile", dir.resolve("server-ca.pem").toString(),
                "-cert", dir.resolve("client.pem").toString(), "-key", dir.resolve("client.key").toString()));
        cmd.addAll(List.of(extra));
        return Processes.run(cmd, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 10);
    }

    static boolean connected(Processes.Result r) {
        return r.stdout().contains("New, TLSv1.2, Cipher is") && !r.stdout().contains("Cipher is (NONE)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify", "passthrough", "off"})
    void aClientOfferingOnlySha1SignaturesIsRefusedInsteadOfGettingASha1SignedKeyExchange(String listener)
            throws Exception {
        Processes.Result ok = sClient(listener);
        assertThat(connected(ok)).as(ok.all()).isTrue();
        assertThat(ok.stdout()).contains("Peer signing digest: SHA256");

        Processes.Result sha1 = sClient(listener, "-sigalgs", "RSA+SHA1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(connected(sha1)).as(sha1.all()).isFalse();
        assertThat(sha1.all()).doesNotContain("Peer signing digest: SHA1").contains("handshake failure");
    }

    @ParameterizedTest
    @ValueSource(strings = {"verify", "passthrough"})
    void aClientCertificateVerifySignedWithSha1IsRefused(String listener) throws Exception {
        Processes.Result sha1 = sClient(listener, "-client_sigalgs", "RSA+SHA1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(sha1.all()).contains("Shared Requested Signature Algorithms: RSA+SHA1");
        assertThat(sha1.all()).contains("handshake failure");
        assertThat(sha1.stdout()).doesNotContain("HTTP/1.1 200");
        if (listener.equals("verify")) {
            assertThat(awaitLogLine("Failed:ClientCertIncompatible")).contains("127.0.0.1");
        }

        Processes.Result sha256 = sClient(listener, "-client_sigalgs", "RSA+SHA256", "-cipher", "DEFAULT@SECLEVEL=0");
        assertThat(connected(sha256)).as(sha256.all()).isTrue();
        assertThat(sha256.stdout()).contains("HTTP/1.1 200");
    }

    /** The first connection-log line containing {@code text}; waits up to 10 s. */
    static String awaitLogLine(String text) throws Exception {
        Path log = dir.resolve("connection.log");
        for (int i = 0; i < 200; i++) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            for (String l : lines) {
                if (l.contains(text)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no connection-log line with " + text + " in " + (Files.exists(log) ? Files.readAllLines(log) : List.of()));
    }

    @Test
    void tls13ClientsAreUntouched() throws Exception {
        List<String> cmd = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.boundPort("verify"),
                "-servername", "localhost", "-tls1_3", "-ign_eof", "-CAfile", dir.resolve("server-ca.pem").toString(),
                "-cert", dir.resolve("client.pem").toString(), "-key", dir.resolve("client.key").toString());
        Processes.Result r = Processes.run(cmd, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 10);
        assertThat(r.stdout()).as(r.all()).contains("New, TLSv1.3").contains("HTTP/1.1 200");
    }
}
