package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.EchoTarget;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.Processes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mutual TLS over real handshakes on loopback: verify mode with every failure code of the README's table
 * (asserted from the client side by the TLS alert that {@code openssl s_client -msg} receives, under
 * TLS 1.2 and TLS 1.3, and in the connection log), the verify-mode headers byte for byte against
 * {@code openssl x509}, passthrough, and the identity-header stripping rule on every listener.
 */
class MutualTlsTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static Gateway gateway;
    static HeldCertificate root;
    static HeldCertificate good;
    static Path connectionLog;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Gatehouse Test Server CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build();
        server.writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());

        root = HeldCertificate.builder().subject("CN=Partner Root CA,O=Partners").ca(3).build();
        HeldCertificate deep1 = HeldCertificate.builder().commonName("Deep 1").signedBy(root).ca(2).build();
        HeldCertificate deep2 = HeldCertificate.builder().commonName("Deep 2").signedBy(deep1).ca(1).build();
        HeldCertificate deep3 = HeldCertificate.builder().commonName("Deep 3").signedBy(deep2).ca(0).build();
        HeldCertificate notCa = HeldCertificate.builder().commonName("Not a CA").signedBy(root).notCaButSigns().build();
        HeldCertificate stranger = HeldCertificate.builder().commonName("Stranger Root").ca(0).build();

        good = HeldCertificate.builder().subject("CN=partner-1,O=Acme\\, Inc.,emailAddress=ops@acme.test")
                .serial(new BigInteger("0A1B2C", 16)).signedBy(root).clientAuth().build();
        good.writeTo(dir, "good");
        HeldCertificate revoked = HeldCertificate.builder().commonName("revoked").signedBy(root).clientAuth().build();
        client(dir, "expired", HeldCertificate.builder().commonName("expired").signedBy(root).clientAuth().expired().build());
        client(dir, "notyet", HeldCertificate.builder().commonName("notyet").signedBy(root).clientAuth().notYetValid().build());
        client(dir, "untrusted", HeldCertificate.builder().commonName("untrusted").signedBy(stranger).clientAuth().build());
        client(dir, "revoked", revoked);
        client(dir, "deep", HeldCertificate.builder().commonName("deep").signedBy(deep3).clientAuth().build(), deep3, deep2, deep1);
        client(dir, "serverauth", HeldCertificate.builder().commonName("serverauth").signedBy(root).serverAuth().build());
        client(dir, "v1", HeldCertificate.builder().commonName("v1").signedBy(root).v1().build());
        client(dir, "notca", HeldCertificate.builder().commonName("under-notca").signedBy(notCa).clientAuth().build(), notCa);
        client(dir, "rsa1024", HeldCertificate.builder().commonName("rsa1024").rsa(1024).signedBy(root).clientAuth().build());
        HeldCertificate[] many = new HeldCertificate[11];
        for (int i = 0; i < many.length; i++) {
            many[i] = HeldCertificate.builder().commonName("filler " + i).ca(0).build();
        }
        client(dir, "oversize", HeldCertificate.builder().commonName("oversize").signedBy(root).clientAuth().build(), many);
        client(dir, "selfsigned", HeldCertificate.builder().commonName("self-signed device").clientAuth().build());

        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());
        // Two anchors with one name: the CRL is signed by the first, the client's issuer is the second,
        // so at check time the CRL of the client's issuer does not verify with its key.
        HeldCertificate sameNameA = HeldCertificate.builder().commonName("Same Name Root").ca(0).build();
        HeldCertificate sameNameB = HeldCertificate.builder().commonName("Same Name Root").ca(0).build();
        Files.writeString(dir.resolve("confused-ca.pem"), sameNameA.certificatePem() + sameNameB.certificatePem());
        Files.writeString(dir.resolve("confused.crl"), HeldCertificate.crlPem(HeldCertificate.crl(sameNameA, Duration.ofDays(1))));
        client(dir, "crlerror", HeldCertificate.builder().commonName("crlerror").signedBy(sameNameB).clientAuth().build());
        Files.writeString(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                HeldCertificate.crl(root, Duration.ofDays(1), revoked.certificate().getSerialNumber())));

        connectionLog = Files.createDirectories(dir.resolve("logs")).resolve("connection.log");
        String yaml = """
                name: gw-test
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: echo }
                  - name: ignore-expiry
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients, ignore_client_certificate_expiry: true }
                    default_action: { forward: echo }
                  - name: passthrough
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: passthrough }
                    default_action: { forward: echo }
                  - name: off
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: off }
                    default_action: { forward: echo }
                  - name: renamed
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication:
                      mode: verify
                      trust_store: clients
                      header_names: { x_amzn_mtls_clientcert_subject: X-Client-Subject }
                    default_action: { forward: echo }
                  - name: plain
                    address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: echo }
                  - name: confused
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: confused }
                    default_action: { forward: echo }
                trust_stores:
                  confused:
                    ca_certificates: confused-ca.pem
                    revocation_lists: [ confused.crl ]
                  clients:
                    ca_certificates: clients-ca.pem
                    revocation_lists: [ clients.crl ]
                target_groups:
                  echo:
                    targets: [ "%s" ]
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                """.formatted(target.address());
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    private static void client(Path dir, String name, HeldCertificate leaf, HeldCertificate... chain) throws Exception {
        leaf.writeTo(dir, name, chain);
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    // ---------------------------------------------------------------- verify mode: success and headers

    @Test
    void verifiedClientGetsTheFiveHeadersExactlyAsOpensslPrintsThem() throws Exception {
        int before = logLines().size();
        int clientPort = FreePort.loopback();
        List<String> cmd = curlCommand("verify", "good", "/hello");
        cmd.addAll(1, List.of("--local-port", String.valueOf(clientPort)));
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        Map<String, List<String>> h = target.lastRequest();
        Path pem = dir.resolve("good.pem");
        assertThat(h.get("X-Amzn-Mtls-Clientcert-Serial-Number"))
                .containsExactly(Processes.openssl(pem, "-serial").substring("serial=".length()));
        assertThat(h.get("X-Amzn-Mtls-Clientcert-Serial-Number")).containsExactly("0A1B2C");
        assertThat(h.get("X-Amzn-Mtls-Clientcert-Subject"))
                .containsExactly(Processes.openssl(pem, "-subject", "-nameopt", "RFC2253").substring("subject=".length()));
        assertThat(h.get("X-Amzn-Mtls-Clientcert-Issuer"))
                .containsExactly(Processes.openssl(pem, "-issuer", "-nameopt", "RFC2253").substring("issuer=".length()));
        assertThat(h.get("X-Amzn-Mtls-Clientcert-Validity")).containsExactly(opensslValidity(pem));
        Processes.Result reencoded = Processes.run(List.of("openssl", "x509", "-in", pem.toString(), "-outform", "PEM"));
        String leafPem = reencoded.stdout();
        String leafHeader = h.get("X-Amzn-Mtls-Clientcert-Leaf").get(0);
        assertThat(leafHeader).startsWith("-----BEGIN%20CERTIFICATE-----%0A").endsWith("-----END%20CERTIFICATE-----%0A");
        assertThat(independentDecode(leafHeader)).isEqualTo(leafPem);
        assertThat(h).doesNotContainKey("X-Amzn-Mtls-Clientcert");

        ConnectionLine l = awaitConnectionLine(before, clientPort);
        assertThat(l.timestamp()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        assertThat(l.clientIp()).isEqualTo("127.0.0.1");
        assertThat(l.listenerPort()).isEqualTo(gateway.boundPort("verify"));
        assertThat(l.tlsProtocol()).isIn("TLSv1.3", "TLSv1.2");
        assertThat(l.tlsCipher()).matches("[A-Z0-9_-]+");
        assertThat(l.tlsHandshakeLatency()).matches("\\d+\\.\\d{3}");
        // Quoted as the access log quotes it: the subject's own \, becomes \\,.
        assertThat(l.leafClientCertSubject())
                .isEqualTo("\"" + h.get("X-Amzn-Mtls-Clientcert-Subject").get(0).replace("\\", "\\\\") + "\"");
        assertThat(l.leafClientCertSubject()).isEqualTo("\"emailAddress=ops@acme.test,O=Acme\\\\, Inc.,CN=partner-1\"");
        assertThat(l.leafClientCertValidity()).isEqualTo(h.get("X-Amzn-Mtls-Clientcert-Validity").get(0));
        assertThat(l.leafClientCertSerialNumber()).isEqualTo("0A1B2C");
        assertThat(l.tlsVerifyStatus()).isEqualTo("Success");
        assertThat(l.connTraceId()).matches("TID_[0-9a-f]{32}");
        assertThat(l.tlsKeyexchange()).isNotEqualTo("-");
        assertThat(l.gateway()).isEqualTo("gw-test");
        assertThat(l.listenerAddress()).isEqualTo("127.0.0.1:0");
    }

    @Test
    void headerNamesAreRenamedPerListener() throws Exception {
        Processes.Result r = curl("renamed", "good", "/");
        assertThat(r.exitCode()).as(r.all()).isZero();
        Map<String, List<String>> h = target.lastRequest();
        assertThat(h.get("X-Client-Subject")).containsExactly(
                Processes.openssl(dir.resolve("good.pem"), "-subject", "-nameopt", "RFC2253").substring("subject=".length()));
        assertThat(h).doesNotContainKey("X-Amzn-Mtls-Clientcert-Subject");
        assertThat(h).containsKey("X-Amzn-Mtls-Clientcert-Serial-Number");
    }

    @Test
    void ignoreExpiryLetsTheExpiredClientThrough() throws Exception {
        Processes.Result expiredOnVerify = curl("verify", "expired", "/");
        assertThat(expiredOnVerify.exitCode()).isNotZero();
        Processes.Result r = curl("ignore-expiry", "expired", "/");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=expired");
    }

    // ---------------------------------------------------------------- verify mode: every failure code

    static List<Arguments> failures() {
        List<Arguments> cases = new ArrayList<>();
        Object[][] table = {
                // client files, expected code, alert TLS 1.3, alert TLS 1.2
                {null, "ClientCertMissing", 116, 40},
                {"expired", "ClientCertExpired", 45, 45},
                {"notyet", "ClientCertNotYetValid", 45, 45},
                {"untrusted", "ClientCertUntrusted", 48, 48},
                {"revoked", "ClientCertCrlHit", 44, 44},
                {"deep", "ClientCertMaxChainDepthExceeded", 48, 48},
                {"serverauth", "ClientCertPurposeInvalid", 43, 43},
                {"v1", "ClientCertInvalid", 42, 42},
                {"notca", "ClientCertInvalid", 42, 42},
                {"rsa1024", "ClientCertTypeUnsupported", 43, 43},
                {"oversize", "ClientCertMaxSizeExceeded", 42, 42},
        };
        for (Object[] row : table) {
            cases.add(Arguments.of(row[0], row[1], "1.3", row[2]));
            cases.add(Arguments.of(row[0], row[1], "1.2", row[3]));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} over TLS {2}: {1}, alert {3}")
    @MethodSource("failures")
    void eachFailureEndsTheHandshakeWithItsCodeAndAlert(String client, String code, String tls, int alert)
            throws Exception {
        assertFailure("verify", client, code, tls, alert);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"1.3", "1.2"})
    void aCrlThatCannotBeUsedAtCheckTimeIsCrlProcessingErrorWithCertificateUnknown(String tls) throws Exception {
        assertFailure("confused", "crlerror", "ClientCertCrlProcessingError", tls, 46);
    }

    private void assertFailure(String listener, String client, String code, String tls, int alert) throws Exception {
        int before = logLines().size();
        int clientPort = FreePort.loopback();
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + gateway.boundPort(listener), "-bind", "127.0.0.1:" + clientPort,
                "-servername", "localhost", "-msg",
                tls.equals("1.3") ? "-tls1_3" : "-tls1_2", "-ign_eof", "-cipher", "DEFAULT:@SECLEVEL=0"));
        if (client != null) {
            cmd.addAll(List.of("-cert", dir.resolve(client + ".pem").toString(),
                    "-key", dir.resolve(client + ".key").toString(),
                    "-cert_chain", dir.resolve(client + ".pem").toString()));
        }
        Processes.Result r = Processes.run(cmd, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 20);
        assertThat(receivedAlerts(r.stdout())).as(r.all()).contains(alert);
        ConnectionLine l = awaitConnectionLine(before, clientPort);
        assertThat(l.tlsVerifyStatus()).as(l.line()).isEqualTo("Failed:" + code);
        assertThat(l.listenerPort()).as(l.line()).isEqualTo(gateway.boundPort(listener));
        if (client != null) {
            assertThat(l.leafClientCertSubject()).as(l.line()).contains("CN=");
        }
    }

    /** The alert description bytes the client received ({@code <<< ... Alert ...} followed by the hex bytes). */
    static List<Integer> receivedAlerts(String sClientOutput) {
        List<Integer> alerts = new ArrayList<>();
        String[] lines = sClientOutput.split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].startsWith("<<<") && lines[i].contains("Alert")) {
                Matcher m = Pattern.compile("^\\s*([0-9a-f]{2}) ([0-9a-f]{2})").matcher(lines[i + 1]);
                if (m.find()) {
                    alerts.add(Integer.parseInt(m.group(2), 16));
                }
            }
        }
        return alerts;
    }

    @Test
    void connectionsThatNeverFinishAHandshakeStillGetTheirLine() throws Exception {
        int before = logLines().size();
        int silent;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.boundPort("verify"))) {
            silent = s.getLocalPort();
            s.getOutputStream().flush(); // connect, then close without a byte
        }
        int halfHello;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.boundPort("off"))) {
            halfHello = s.getLocalPort();
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00}); // half a ClientHello
            s.getOutputStream().flush();
        }
        assertThat(awaitConnectionLine(before, silent).tlsVerifyStatus()).isEqualTo("Failed:UnmappedConnectionError");
        assertThat(awaitConnectionLine(before, halfHello).tlsVerifyStatus()).isEqualTo("Failed:UnmappedConnectionError");
    }

    @Test
    void anEndlessClientHelloIsCutOffEarly() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.boundPort("verify"))) {
            s.setSoTimeout(10_000);
            java.io.OutputStream out = s.getOutputStream();
            // A handshake record announcing a 16 MiB ClientHello, then junk: the gateway must hang up
            // long before 16 MiB have been buffered.
            out.write(new byte[] {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            byte[] junk = new byte[16 * 1024];
            long sent = 0;
            try {
                while (sent < 16L * 1024 * 1024) {
                    out.write(junk);
                    sent += junk.length;
                }
            } catch (java.io.IOException expected) {
                // the gateway closed the connection
            }
            assertThat(sent).as("bytes accepted before the gateway hung up").isLessThan(8L * 1024 * 1024);
        }
    }

    @Test
    void aBrokenHandshakeOnAnyListenerIsLoggedAsUnmapped() throws Exception {
        for (String listener : List.of("off", "verify")) {
            int before = logLines().size();
            int clientPort;
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.boundPort(listener))) {
                clientPort = s.getLocalPort();
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(5000);
                s.getInputStream().readAllBytes(); // the gateway answers plain text with an alert and closes
            }
            ConnectionLine l = awaitConnectionLine(before, clientPort);
            assertThat(l.tlsVerifyStatus()).as(l.line()).isEqualTo("Failed:UnmappedConnectionError");
        }
    }

    // ---------------------------------------------------------------- passthrough

    @Test
    void passthroughForwardsTheChainAsPresented() throws Exception {
        Processes.Result r = curl("passthrough", "selfsigned", "/");
        assertThat(r.exitCode()).as(r.all()).isZero();
        String header = target.lastRequest().get("X-Amzn-Mtls-Clientcert").get(0);
        assertThat(independentDecode(header)).isEqualTo(Files.readString(dir.resolve("selfsigned.pem")));
        assertThat(target.lastRequest()).doesNotContainKey("X-Amzn-Mtls-Clientcert-Subject");

        Processes.Result chain = curl("passthrough", "deep", "/");
        assertThat(chain.exitCode()).as(chain.all()).isZero();
        assertThat(independentDecode(target.lastRequest().get("X-Amzn-Mtls-Clientcert").get(0)))
                .isEqualTo(Files.readString(dir.resolve("deep.pem")));

        Processes.Result none = curl("passthrough", null, "/");
        assertThat(none.exitCode()).as(none.all()).isZero();
        assertThat(target.lastRequest()).doesNotContainKey("X-Amzn-Mtls-Clientcert");
    }

    // ---------------------------------------------------------------- stripping, on every listener

    static final List<String> SPOOFED = List.of(
            "X-Amzn-Mtls-Clientcert-Subject: CN=admin",
            "x-amzn-mtls-clientcert-serial-number: 01",
            "X_AMZN_MTLS_CLIENTCERT_ISSUER: CN=evil",
            "x_amzn_mtls_clientcert: evil",
            "X-Amzn-Mtls-Clientcert-Leaf: evil",
            "X-AMZN-MTLS-CLIENTCERT-VALIDITY: evil",
            "X-Client-Subject: CN=admin",
            "x_client_subject: CN=admin",
            "X-Forwarded-Client-Cert: Hash=1;Subject=\"CN=admin\"",
            "client-cert: :AAAA:",
            "Client-Cert-Chain: :AAAA:",
            "X-Forwarded-Tls-Client-Cert: AAAA",
            "X-Forwarded-Tls-Client-Cert-Info: Subject=admin",
            "X-SSL-Client-Cert: evil",
            "x-ssl-cert: evil");

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"verify", "passthrough", "off", "plain", "renamed"})
    void spoofedIdentityHeadersNeverReachTheTarget(String listener) throws Exception {
        List<String> cmd = curlCommand(listener, listener.equals("verify") || listener.equals("renamed") ? "good" : null, "/spoof");
        for (String h : SPOOFED) {
            cmd.add("-H");
            cmd.add(h);
        }
        cmd.add("-H");
        cmd.add("Connection: X-Amzn-Mtls-Clientcert-Subject, X-Amzn-Mtls-Clientcert-Serial-Number, X-Client-Subject");
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        Map<String, List<String>> h = target.lastRequest();
        for (String spoofed : SPOOFED) {
            String name = spoofed.substring(0, spoofed.indexOf(':'));
            List<String> values = h.get(name);
            if (values != null) {
                assertThat(values).as(listener + " " + name).doesNotContain(spoofed.substring(name.length() + 2));
            }
        }
        String subject = Processes.openssl(dir.resolve("good.pem"), "-subject", "-nameopt", "RFC2253")
                .substring("subject=".length());
        if (listener.equals("verify")) {
            // Gatehouse's own headers survive a Connection header that names them.
            assertThat(h.get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly(subject);
            assertThat(h.get("X-Amzn-Mtls-Clientcert-Serial-Number")).containsExactly("0A1B2C");
        } else if (listener.equals("renamed")) {
            assertThat(h.get("X-Client-Subject")).containsExactly(subject);
        } else {
            assertThat(h.keySet()).noneMatch(k -> k.toLowerCase().replace('_', '-').startsWith("x-amzn-mtls"));
        }
    }

    // ---------------------------------------------------------------- helpers

    static Processes.Result curl(String listener, String client, String path) throws Exception {
        return Processes.run(curlCommand(listener, client, path));
    }

    static List<String> curlCommand(String listener, String client, String path) {
        int port = gateway.boundPort(listener);
        boolean tls = !listener.equals("plain");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "10"));
        if (tls) {
            cmd.addAll(List.of("--cacert", dir.resolve("server-ca.pem").toString(),
                    "--resolve", "localhost:" + port + ":127.0.0.1"));
            if (client != null) {
                cmd.addAll(List.of("--cert", dir.resolve(client + ".pem").toString(),
                        "--key", dir.resolve(client + ".key").toString()));
            }
            cmd.add("https://localhost:" + port + path);
        } else {
            cmd.add("http://127.0.0.1:" + port + path);
        }
        return cmd;
    }

    /** Percent-decoding of exactly the two escapes the format uses; '+' stays '+'. */
    static String independentDecode(String value) {
        assertThat(value).doesNotContain(" ", "\n");
        return value.replace("%20", " ").replace("%0A", "\n");
    }

    static String opensslValidity(Path pem) throws Exception {
        String dates = Processes.openssl(pem, "-dates", "-dateopt", "iso_8601");
        Matcher nb = Pattern.compile("notBefore=(\\S+) (\\S+)").matcher(dates);
        Matcher na = Pattern.compile("notAfter=(\\S+) (\\S+)").matcher(dates);
        assertThat(nb.find() && na.find()).as(dates).isTrue();
        return "NotBefore=" + nb.group(1) + "T" + nb.group(2) + ";NotAfter=" + na.group(1) + "T" + na.group(2);
    }

    static List<String> logLines() throws Exception {
        if (!Files.exists(connectionLog)) {
            return List.of();
        }
        return Files.readAllLines(connectionLog, StandardCharsets.UTF_8);
    }


    /** One connection-log line, field by field, under the names of the README's "Connection log". */
    record ConnectionLine(String line, String timestamp, String clientIp, int clientPort, int listenerPort,
                          String tlsProtocol, String tlsCipher, String tlsHandshakeLatency, String leafClientCertSubject,
                          String leafClientCertValidity, String leafClientCertSerialNumber, String tlsVerifyStatus,
                          String connTraceId, String tlsKeyexchange, String gateway, String listenerAddress) {
        static ConnectionLine parse(String line) {
            String[] f = logFields(line);
            assertThat(f).as(line).hasSize(15);
            return new ConnectionLine(line, f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], f[5], f[6],
                    f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14]);
        }
    }

    /**
     * The line, written after the first {@code before} lines, of the connection made from {@code clientPort}
     * on 127.0.0.1: found by its client port, whatever other lines were written meanwhile.
     */
    static ConnectionLine awaitConnectionLine(int before, int clientPort) throws Exception {
        return awaitConnectionLine(connectionLog, before, clientPort);
    }

    /** The same, in the connection log {@code log}. */
    static ConnectionLine awaitConnectionLine(Path log, int before, int clientPort) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.<String>of();
            for (String l : lines.subList(Math.min(before, lines.size()), lines.size())) {
                if (logFields(l).length != 15) {
                    continue; // a line still being written; read again
                }
                ConnectionLine c = ConnectionLine.parse(l);
                if (c.clientPort() == clientPort && c.clientIp().equals("127.0.0.1")) {
                    return c;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no connection-log line of client port " + clientPort + " after line " + before);
    }

    /** Splits a connection-log line into its 15 fields (the quoted subject is one field). */
    static String[] logFields(String line) {
        List<String> fields = new ArrayList<>();
        Matcher m = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|\\S+").matcher(line);
        while (m.find()) {
            fields.add(m.group());
        }
        return fields.toArray(new String[0]);
    }

}
