package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.EchoTarget;
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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tls.policy} and {@code tls.ciphers} with {@code openssl s_client}: the two suites OpenADR 2.0b
 * devices must use (AES-128-CBC with SHA-256, with an ECDSA and with an RSA server certificate) complete a
 * verified mutual-TLS request on a {@code tls12-legacy} listener, which BoringSSL cannot serve, so the JDK's
 * TLS does, and are refused by the default policy; {@code tls13-only} refuses TLS 1.2; TLS 1.3 prefers
 * AES-128-GCM where the TLS library lets the server choose; {@code tls.ciphers} replaces the TLS 1.2 list.
 */
class TlsPoliciesTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static Gateway gateway;
    static List<String> startupLog;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Policy Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost").serverAuth()
                .build().writeTo(dir, "ecdsa-server");
        HeldCertificate.builder().commonName("localhost").rsa(2048).signedBy(serverCa).addSanDns("localhost")
                .serverAuth().build().writeTo(dir, "rsa-server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate root = HeldCertificate.builder().commonName("Device Root").ca(0).build();
        Files.writeString(dir.resolve("devices.pem"), root.certificatePem());
        HeldCertificate.builder().commonName("ven-1").signedBy(root).clientAuth().build().writeTo(dir, "device");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: legacy-ecdsa
                    address: 127.0.0.1:0
                    tls:
                      certificates: [ { certificate: ecdsa-server.pem, private_key: ecdsa-server.key } ]
                      policy: tls12-legacy
                    mutual_authentication: { mode: verify, trust_store: devices }
                    default_action: { forward: echo }
                  - name: legacy-rsa
                    address: 127.0.0.1:0
                    tls:
                      certificates: [ { certificate: rsa-server.pem, private_key: rsa-server.key } ]
                      policy: tls12-legacy
                    mutual_authentication: { mode: verify, trust_store: devices }
                    default_action: { forward: echo }
                  - name: default-ecdsa
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: ecdsa-server.pem, private_key: ecdsa-server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: devices }
                    default_action: { forward: echo }
                  - name: default-rsa
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: rsa-server.pem, private_key: rsa-server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: devices }
                    default_action: { forward: echo }
                  - name: modern
                    address: 127.0.0.1:0
                    tls:
                      certificates: [ { certificate: ecdsa-server.pem, private_key: ecdsa-server.key } ]
                      policy: tls13-only
                    mutual_authentication: { mode: verify, trust_store: devices }
                    default_action: { forward: echo }
                  - name: chosen
                    address: 127.0.0.1:0
                    tls:
                      certificates: [ { certificate: rsa-server.pem, private_key: rsa-server.key } ]
                      ciphers: [ECDHE-RSA-AES256-GCM-SHA384, AES128-SHA]
                    default_action: { forward: echo }
                trust_stores:
                  devices: { ca_certificates: devices.pem }
                target_groups:
                  echo: { targets: [ "%s" ] }
                logs: { connection: connection.log }
                """.formatted(target.address()));
        try (CapturedLog log = CapturedLog.of(Gateway.class)) {
            gateway = Gateway.start(ConfigParser.parse(config));
            startupLog = log.messages(Level.INFO);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(1));
        }
        if (target != null) {
            target.close();
        }
    }

    static Processes.Result sClient(String listener, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + gateway.boundPort(listener), "-servername", "localhost", "-ign_eof",
                "-CAfile", dir.resolve("server-ca.pem").toString(), "-verify_return_error",
                "-cert", dir.resolve("device.pem").toString(), "-key", dir.resolve("device.key").toString()));
        cmd.addAll(List.of(options));
        return Processes.run(cmd, "GET /openadr HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 20);
    }

    static String negotiated(Processes.Result r) {
        return r.stdout().lines().filter(l -> l.contains(", Cipher is ")).findFirst().orElse("(no handshake)");
    }

    @ParameterizedTest(name = "{1} on {0}")
    @CsvSource({"legacy-ecdsa, ECDHE-ECDSA-AES128-SHA256", "legacy-rsa, AES128-SHA256"})
    void openAdrSuitesCompleteAVerifiedMutualTlsRequestOnTheLegacyPolicy(String listener, String suite)
            throws Exception {
        int before = target.requests().size();
        Processes.Result r = sClient(listener, "-tls1_2", "-cipher", suite);
        assertThat(negotiated(r)).as(r.all()).isEqualTo("New, TLSv1.2, Cipher is " + suite);
        assertThat(r.stdout()).as(r.all()).contains("HTTP/1.1 200").contains("Verify return code: 0 (ok)");
        assertThat(target.requests()).hasSize(before + 1);
        assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=ven-1");
        assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Issuer")).containsExactly("CN=Device Root");
        String line = awaitLogLine(" " + gateway.boundPort(listener) + " TLSv1.2 " + suite + " ");
        assertThat(line).contains("\"CN=ven-1\"").contains(" Success ");
    }

    @ParameterizedTest(name = "{1} on {0}")
    @CsvSource({"default-ecdsa, ECDHE-ECDSA-AES128-SHA256", "default-rsa, AES128-SHA256"})
    void openAdrSuitesAreRefusedByTheDefaultPolicy(String listener, String suite) throws Exception {
        Processes.Result r = sClient(listener, "-tls1_2", "-cipher", suite);
        assertThat(r.stdout()).as(r.all()).doesNotContain("HTTP/1.1 200");
        assertThat(r.all()).contains("handshake failure");

        Processes.Result aead = sClient(listener, "-tls1_2");
        assertThat(negotiated(aead)).as(aead.all()).contains("TLSv1.2").contains("GCM");
        assertThat(aead.stdout()).contains("HTTP/1.1 200");
    }

    @Test
    void theStartupLogSaysWhichProviderServesEachListenerAndWhy() {
        assertThat(startupLog).anySatisfy(m -> assertThat(m).startsWith("listener legacy-ecdsa on ")
                .contains("TLS by the JDK: BoringSSL has no ")
                .contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256").contains("TLS_RSA_WITH_AES_128_CBC_SHA256")
                .contains("(policy tls12-legacy)"));
        assertThat(startupLog).anySatisfy(m -> assertThat(m).startsWith("listener default-rsa on ")
                .endsWith("TLS by BoringSSL)"));
        assertThat(startupLog).anySatisfy(m -> assertThat(m).startsWith("listener chosen on ")
                .endsWith("TLS by BoringSSL)"));
    }

    /**
     * On the JDK's TLS, the server's order wins. (BoringSSL takes the client's first choice in TLS 1.3, and
     * netty-tcnative cannot change that: a listener it serves negotiates AES-256-GCM with this client.)
     */
    @Test
    void tls13PrefersAes128GcmOnTheJdkServedListener() throws Exception {
        Processes.Result r = sClient("legacy-ecdsa", "-tls1_3",
                "-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
        assertThat(negotiated(r)).as(r.all()).isEqualTo("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256");
        assertThat(r.stdout()).contains("HTTP/1.1 200");
    }

    @Test
    void tls13OnlyRefusesTls12() throws Exception {
        Processes.Result r = sClient("modern", "-tls1_2");
        assertThat(r.stdout()).as(r.all()).doesNotContain("HTTP/1.1 200");
        assertThat(r.all()).contains("protocol version");

        Processes.Result tls13 = sClient("modern", "-tls1_3");
        assertThat(negotiated(tls13)).as(tls13.all()).startsWith("New, TLSv1.3, ");
        assertThat(tls13.stdout()).contains("HTTP/1.1 200");
    }

    @Test
    void cipherListReplacesThePolicysTls12Suites() throws Exception {
        Processes.Result listed = sClient("chosen", "-tls1_2", "-cipher", "AES128-SHA");
        assertThat(negotiated(listed)).as(listed.all()).endsWith(", Cipher is AES128-SHA"); // openssl: "SSLv3"
        assertThat(listed.stdout()).contains("Protocol  : TLSv1.2");
        assertThat(listed.stdout()).contains("HTTP/1.1 200");

        Processes.Result unlisted = sClient("chosen", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
        assertThat(unlisted.stdout()).as(unlisted.all()).doesNotContain("HTTP/1.1 200");
        assertThat(unlisted.all()).contains("handshake failure");

        Processes.Result preferred = sClient("chosen", "-tls1_2", "-cipher", "AES128-SHA:ECDHE-RSA-AES256-GCM-SHA384");
        assertThat(negotiated(preferred)).as(preferred.all()).isEqualTo("New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384");
    }

    @Test
    void theJdkServedListenerOffersAcceptsAndMakesNoSha1OrMd5Signatures() throws Exception {
        Processes.Result ok = sClient("legacy-ecdsa", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256");
        String requested = ok.stdout().lines().filter(l -> l.startsWith("Requested Signature Algorithms:"))
                .findFirst().orElseThrow(() -> new AssertionError("no CertificateRequest in " + ok.all()));
        assertThat(requested).doesNotContain("SHA1").doesNotContain("MD5").contains("ECDSA+SHA256");
        assertThat(ok.stdout()).contains("Peer signing digest: SHA256").contains("HTTP/1.1 200");

        Processes.Result sha1Verify = sClient("legacy-ecdsa", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:@SECLEVEL=0",
                "-client_sigalgs", "ECDSA+SHA1");
        assertThat(sha1Verify.stdout()).as(sha1Verify.all()).doesNotContain("HTTP/1.1 200");

        Processes.Result sha1Only = sClient("legacy-ecdsa", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256:@SECLEVEL=0",
                "-sigalgs", "ECDSA+SHA1");
        assertThat(sha1Only.stdout()).as(sha1Only.all()).doesNotContain("Peer signing digest: SHA1")
                .doesNotContain("HTTP/1.1 200");
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
        throw new AssertionError("no connection-log line with " + text + " in "
                + (Files.exists(log) ? Files.readAllLines(log) : List.of()));
    }
}
