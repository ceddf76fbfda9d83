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
        String line = LiveReloadTest.awaitLogLine(dir.resolve("connection.log"),
                " " + gateway.boundPort(listener) + " TLSv1.2 " + suite + " ");
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

    /**
     * A TLS 1.2 client whose ClientKeyExchange is truncated gets a fatal {@code decode_error} from the
     * JDK-served listener, as from BoringSSL (the JDK's engine alone would send a {@code user_canceled}
     * warning and a {@code close_notify}).
     */
    @Test
    void aMalformedHandshakeMessageGetsAFatalDecodeErrorOnTheJdkServedListener() throws Exception {
        byte[] sigalgs = {0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x01}; // rsa_pkcs1_sha256
        java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
        hello.write(new byte[] {0x03, 0x03});
        hello.write(new byte[32]);
        hello.write(new byte[] {0x00, 0x00, 0x02, 0x00, 0x3c, 0x01, 0x00, 0x00, (byte) sigalgs.length}); // AES128-SHA256
        hello.write(sigalgs);
        byte[] leaf = java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(dir.resolve("device.pem"))).getEncoded();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.boundPort("legacy-rsa"))) {
            socket.setSoTimeout(10_000);
            java.io.OutputStream out = socket.getOutputStream();
            java.io.InputStream in = socket.getInputStream();
            out.write(record(handshake(1, hello.toByteArray())));
            // Up to the ServerHelloDone (type 14, empty).
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            while (!new String(seen.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("\u000e\u0000\u0000\u0000")) {
                int b = in.read();
                assertThat(b).as("server flight").isNotNegative();
                seen.write(b);
            }
            out.write(record(handshake(11, length3(length3(leaf)))));
            out.write(record(handshake(16, new byte[] {0x01, 0x00, (byte) 0xaa}))); // claims 256 bytes, has 1
            out.flush();
            assertThat(in.readAllBytes()).containsExactly(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32);
        }
    }

    /**
     * A client whose CertificateVerify does not verify (signed with a key that is not its certificate's)
     * gets {@code decrypt_error} from the JDK-served listener, as from BoringSSL, not the JDK's
     * {@code handshake_failure}.
     */
    @Test
    void aCertificateVerifyThatDoesNotVerifyGetsDecryptErrorOnTheJdkServedListener() throws Exception {
        java.security.cert.X509Certificate device = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory
                .getInstance("X.509").generateCertificate(Files.newInputStream(dir.resolve("device.pem")));
        java.security.PrivateKey otherKey = HeldCertificate.builder().commonName("other").build().keyPair().getPrivate();
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("device", otherKey, new char[0], new java.security.cert.Certificate[] {device});
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
        kmf.init(keys, new char[0]);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
        tls.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        // The client writes its whole flight (CertificateVerify, ChangeCipherSpec, Finished) before it
        // reads; the gateway may have sent its alert and closed by then, so a failed write is ignored and
        // the client goes on to read the alert.
        java.net.Socket tcp = new java.net.Socket("127.0.0.1", gateway.boundPort("legacy-ecdsa")) {
            @Override
            public java.io.OutputStream getOutputStream() throws java.io.IOException {
                java.io.OutputStream out = super.getOutputStream();
                return new java.io.OutputStream() {
                    @Override
                    public void write(int b) {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        try {
                            out.write(b, off, len);
                        } catch (java.io.IOException closedByTheGateway) {
                            // its alert is there to read
                        }
                    }
                };
            }
        };
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                .createSocket(tcp, "127.0.0.1", tcp.getPort(), true)) {
            socket.setSoTimeout(10_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(socket::startHandshake);
            assertThat(refused).isInstanceOf(javax.net.ssl.SSLException.class).hasMessageContaining("decrypt_error");
        }
    }

    private static byte[] record(byte[] body) {
        byte[] r = new byte[5 + body.length];
        r[0] = 0x16;
        r[1] = 0x03;
        r[2] = 0x03;
        r[3] = (byte) (body.length >> 8);
        r[4] = (byte) body.length;
        System.arraycopy(body, 0, r, 5, body.length);
        return r;
    }

    private static byte[] handshake(int type, byte[] body) {
        byte[] withLength = length3(body);
        byte[] m = new byte[1 + withLength.length];
        m[0] = (byte) type;
        System.arraycopy(withLength, 0, m, 1, withLength.length);
        return m;
    }

    private static byte[] length3(byte[] body) {
        byte[] m = new byte[3 + body.length];
        m[0] = (byte) (body.length >> 16);
        m[1] = (byte) (body.length >> 8);
        m[2] = (byte) body.length;
        System.arraycopy(body, 0, m, 3, body.length);
        return m;
    }
}
