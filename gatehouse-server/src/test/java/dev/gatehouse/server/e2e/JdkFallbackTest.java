package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.testing.EchoTarget;
import dev.gatehouse.server.testing.GatewayProcess;
import dev.gatehouse.server.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where BoringSSL cannot load, the gateway runs on the JDK's TLS: verify mode still judges every
 * certificate with the same verifier, logs the right failure code, and never resumes a session. The
 * gateway runs in its own JVM with netty-tcnative disabled.
 */
class JdkFallbackTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost").serverAuth()
                .build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate root = HeldCertificate.builder().commonName("Client Root").ca(0).build();
        Files.writeString(dir.resolve("clients.pem"), root.certificatePem());
        HeldCertificate.builder().commonName("good").signedBy(root).clientAuth().build().writeTo(dir, "good");
        HeldCertificate stranger = HeldCertificate.builder().commonName("Stranger").ca(0).build();
        HeldCertificate.builder().commonName("untrusted").signedBy(stranger).clientAuth().build().writeTo(dir, "untrusted");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: echo }
                  - name: pages
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients, failure_response: http }
                    default_action: { forward: echo }
                  - name: optional
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: optional, trust_store: clients }
                    default_action: { forward: echo }
                trust_stores:
                  clients: { ca_certificates: clients.pem }
                target_groups:
                  echo: { targets: [ "%s" ] }
                logs: { connection: connection.log }
                """.formatted(target.address()));
        gateway = GatewayProcess.start(config, List.of("-Dio.netty.handler.ssl.noOpenSsl=true", "-Xmx256m"));
        assertThat(gateway.logs()).contains("falling back to the JDK TLS provider");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void verifiedClientIsForwardedAndUntrustedOneIsLoggedWithItsCode() throws Exception {
        Processes.Result ok = curl("good");
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=good");

        int before = lines().size();
        Processes.Result refused = curl("untrusted");
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        String line = awaitLine(before, "CN=untrusted");
        assertThat(line).contains("Failed:ClientCertUntrusted");
    }

    @Test
    void httpFailurePagesAndOptionalModeWorkOnTheJdkProviderToo() throws Exception {
        Processes.Result untrusted = Processes.run(curlTo("pages", "untrusted", "-w", "%{http_code}\n",
                "-H", "Accept: application/json"));
        assertThat(untrusted.stdout()).as(untrusted.all()).contains("\"code\":\"ClientCertUntrusted\"").endsWith("495\n");
        Processes.Result none = Processes.run(curlTo("pages", null, "-w", "%{http_code}\n"));
        assertThat(none.stdout()).as(none.all()).contains("ClientCertMissing").endsWith("496\n");
        Processes.Result good = Processes.run(curlTo("pages", "good", "--fail"));
        assertThat(good.exitCode()).as(good.all()).isZero();

        Processes.Result anonymous = Processes.run(curlTo("optional", null, "--fail"));
        assertThat(anonymous.exitCode()).as(anonymous.all()).isZero();
        assertThat(target.lastRequest()).doesNotContainKey("X-Amzn-Mtls-Clientcert-Subject");
        Processes.Result refused = Processes.run(curlTo("optional", "untrusted", "--fail"));
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
    }

    private static List<String> curlTo(String listener, String client, String... options) {
        int port = gateway.port(listener);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10",
                "--cacert", dir.resolve("server-ca.pem").toString(), "--resolve", "localhost:" + port + ":127.0.0.1"));
        if (client != null) {
            cmd.addAll(List.of("--cert", dir.resolve(client + ".pem").toString(),
                    "--key", dir.resolve(client + ".key").toString()));
        }
        cmd.addAll(List.of(options));
        cmd.add("https://localhost:" + port + "/");
        return cmd;
    }

    @Test
    void sessionsAreNeverResumed() throws Exception {
        for (String tls : List.of("-tls1_2", "-tls1_3")) {
            Path session = dir.resolve("session" + tls);
            List<String> base = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.port("verify"),
                    "-servername", "localhost", tls, "-cert", dir.resolve("good.pem").toString(),
                    "-key", dir.resolve("good.key").toString());
            List<String> first = new ArrayList<>(base);
            first.addAll(List.of("-sess_out", session.toString(), "-ign_eof"));
            Processes.Result r1 = Processes.run(first, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 20);
            assertThat(r1.stdout()).as(r1.all()).contains("New, ");
            assertThat(session).exists();
            List<String> second = new ArrayList<>(base);
            second.addAll(List.of("-sess_in", session.toString(), "-ign_eof"));
            Processes.Result r2 = Processes.run(second, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 20);
            assertThat(r2.stdout()).as(tls + ": " + r2.all()).doesNotContain("Reused, ");
        }
    }

    @Test
    void noSha1OrMd5IsOfferedAcceptedOrUsedForHandshakeSignatures() throws Exception {
        List<String> base = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.port("verify"),
                "-servername", "localhost", "-tls1_2", "-ign_eof", "-cert", dir.resolve("good.pem").toString(),
                "-key", dir.resolve("good.key").toString(), "-cipher", "DEFAULT@SECLEVEL=0");
        String request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        Processes.Result ok = Processes.run(base, request, 20);
        String requested = ok.stdout().lines().filter(l -> l.startsWith("Requested Signature Algorithms:"))
                .findFirst().orElseThrow(() -> new AssertionError("no CertificateRequest in " + ok.all()));
        assertThat(requested).doesNotContain("SHA1").doesNotContain("MD5").contains("ECDSA+SHA256");
        assertThat(ok.stdout()).contains("Peer signing digest: SHA256").contains("HTTP/1.1 200");

        List<String> sha1Verify = new ArrayList<>(base);
        sha1Verify.addAll(List.of("-client_sigalgs", "ECDSA+SHA1"));
        Processes.Result refused = Processes.run(sha1Verify, request, 20);
        assertThat(refused.stdout()).as(refused.all()).doesNotContain("HTTP/1.1 200");

        List<String> sha1Only = new ArrayList<>(base);
        sha1Only.addAll(List.of("-sigalgs", "ECDSA+SHA1"));
        Processes.Result noCommon = Processes.run(sha1Only, request, 20);
        assertThat(noCommon.stdout()).as(noCommon.all()).doesNotContain("Peer signing digest: SHA1")
                .doesNotContain("HTTP/1.1 200");
    }

    private static Processes.Result curl(String client) throws Exception {
        return Processes.run(curlTo("verify", client, "--fail"));
    }

    private static List<String> lines() throws Exception {
        Path log = dir.resolve("connection.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static String awaitLine(int before, String containing) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            List<String> all = lines();
            for (String l : all.subList(Math.min(before, all.size()), all.size())) {
                if (l.contains(containing)) {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no connection-log line with " + containing + " in " + lines());
    }
}
