package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.Format;
import dev.gatehouse.clientcert.XfccElement;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.Processes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The listener policies beyond one mode per port, over real handshakes with curl and openssl: the
 * forwarded formats ({@code forward: [alb, xfcc, rfc9440]}, decoded back by gatehouse-clientcert), the
 * {@code optional} mode, HTTP failure pages ({@code failure_response: http}, 495/496, never forwarded, over
 * HTTP/1.1 and HTTP/2), and per-SNI policies ({@code server_names}, 421 for a host of another policy).
 */
class ListenerPoliciesTest {
    @TempDir
    static Path dir;

    static RecordingTarget target;
    static Gateway gateway;
    static Path connectionLog;
    static List<X509Certificate> presented;
    /** The good client's subject as {@code openssl x509 -subject -nameopt RFC2253} prints it. */
    static String subject;

    @BeforeAll
    static void start() throws Exception {
        target = RecordingTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Policies Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost")
                .addSanDns("open.test").addSanDns("partners.test").addSanDns("api.partners.test").serverAuth().build()
                .writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate.builder().commonName("own.test").signedBy(serverCa).addSanDns("own.test").serverAuth().build()
                .writeTo(dir, "own");

        HeldCertificate root = HeldCertificate.builder().subject("CN=Policies Root CA,O=Partners").ca(1).build();
        HeldCertificate intermediate = HeldCertificate.builder().commonName("Policies Issuing CA").signedBy(root).ca(0)
                .build();
        HeldCertificate good = HeldCertificate.builder().subject("CN=partner-7,emailAddress=p7@partners.test").signedBy(intermediate)
                .addSanUri("spiffe://example.org/partner/7").addSanDns("device-7.partners.test").clientAuth().build();
        good.writeTo(dir, "good", intermediate);
        presented = List.of(good.certificate(), intermediate.certificate());
        subject = Processes.openssl(dir.resolve("good.pem"), "-subject", "-nameopt", "RFC2253").substring("subject=".length());
        HeldCertificate stranger = HeldCertificate.builder().commonName("Stranger Root").ca(0).build();
        HeldCertificate.builder().commonName("untrusted").signedBy(stranger).clientAuth().build().writeTo(dir, "untrusted");
        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());

        connectionLog = Files.createDirectories(dir.resolve("logs")).resolve("connection.log");
        String tls = "tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }";
        String yaml = """
                listeners:
                  - name: formats
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: verify, trust_store: clients, forward: [alb, xfcc, rfc9440] }
                    default_action: { forward: app }
                  - name: passthrough-formats
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: passthrough, forward: [xfcc, rfc9440] }
                    default_action: { forward: app }
                  - name: optional
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: optional, trust_store: clients }
                    rules:
                      - priority: 10
                        when: { path: ["/who"], client_certificate: { subject: ["CN=partner-*"] } }
                        then: { fixed_response: { status: 200, content_type: text/plain, body: "partner" } }
                    default_action: { forward: app }
                  - name: pages
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: verify, trust_store: clients, failure_response: http }
                    default_action: { forward: app }
                  - name: names
                    address: 127.0.0.1:0
                    %1$s
                    mutual_authentication: { mode: off }
                    server_names:
                      - names: ["partners.test", "*.partners.test"]
                        mutual_authentication:
                          mode: verify
                          trust_store: clients
                          header_names: { x_amzn_mtls_clientcert_subject: X-Partner-Subject }
                      - names: ["own.test"]
                        certificates: [ { certificate: own.pem, private_key: own.key } ]
                    default_action: { forward: app }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  app: { targets: [ "127.0.0.1:%2$d" ] }
                logs:
                  connection: logs/connection.log
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

    // ---------------------------------------------------------------- forward: [alb, xfcc, rfc9440]

    @Test
    void xfccAndRfc9440HeadersDecodeBackToThePresentedChain() throws Exception {
        RecordingTarget.Request r = forwarded(curl("formats", "localhost", "good", "/formats"));

        String xfcc = single(r, "X-Forwarded-Client-Cert");
        ForwardedClientCert decoded = ForwardedClientCert.decode(Format.ENVOY_XFCC, xfcc);
        assertThat(decoded.chain()).containsExactlyElementsOf(presented);
        XfccElement element = XfccElement.parseAll(xfcc).get(0);
        assertThat(element.cert()).contains(presented.get(0));
        assertThat(element.hash()).contains(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(presented.get(0).getEncoded())));
        // Subject in the form of the other headers and the logs (OpenSSL's, as Envoy prints it): emailAddress=.
        assertThat(element.subject()).contains(single(r, "X-Amzn-Mtls-Clientcert-Subject")).contains(subject);
        assertThat(subject).contains("emailAddress=p7@partners.test");
        assertThat(element.uris()).containsExactly("spiffe://example.org/partner/7");
        assertThat(element.dns()).containsExactly("device-7.partners.test");

        ForwardedClientCert rfc9440 = ForwardedClientCert.decodeRfc9440(single(r, "Client-Cert"),
                single(r, "Client-Cert-Chain"));
        assertThat(rfc9440.chain()).containsExactlyElementsOf(presented);

        // alb stays: the load-balancer headers of verify mode, next to the others.
        assertThat(r.headers("X-Amzn-Mtls-Clientcert-Subject")).containsExactly(subject);
        assertThat(ForwardedClientCert.decode(single(r, "X-Amzn-Mtls-Clientcert-Leaf")).leaf())
                .isEqualTo(presented.get(0));
    }

    @Test
    void passthroughForwardsOnlyTheFormatsItLists() throws Exception {
        RecordingTarget.Request r = forwarded(curl("passthrough-formats", "localhost", "good", "/pass"));
        assertThat(ForwardedClientCert.decode(single(r, "X-Forwarded-Client-Cert")).chain())
                .containsExactlyElementsOf(presented);
        assertThat(ForwardedClientCert.decodeRfc9440(single(r, "Client-Cert"), single(r, "Client-Cert-Chain")).chain())
                .containsExactlyElementsOf(presented);
        assertThat(r.headers("X-Amzn-Mtls-Clientcert")).isEmpty();
    }

    @Test
    void forwardedCertificateHeadersSentByTheClientNeverReachTheTarget() throws Exception {
        // A client without a certificate on a listener that forwards every format: its own values are gone.
        List<String> cmd = curl("passthrough-formats", "localhost", null, "/spoof");
        cmd.addAll(List.of("-H", "X-Forwarded-Client-Cert: Hash=00;Subject=\"CN=admin\"", "-H", "Client-Cert: :AAAA:",
                "-H", "Client-Cert-Chain: :AAAA:"));
        RecordingTarget.Request r = forwarded(cmd);
        assertThat(r.headers("X-Forwarded-Client-Cert")).isEmpty();
        assertThat(r.headers("Client-Cert")).isEmpty();
        assertThat(r.headers("Client-Cert-Chain")).isEmpty();
    }

    // ---------------------------------------------------------------- mode: optional

    @Test
    void optionalWithoutCertificateIsForwardedWithoutIdentityAndMatchesNoCertificateRule() throws Exception {
        int before = lines().size();
        int port = FreePort.loopback();
        List<String> cmd = curl("optional", "localhost", null, "/anonymous");
        cmd.addAll(1, List.of("--local-port", String.valueOf(port)));
        RecordingTarget.Request r = forwarded(cmd);
        assertThat(r.headLines()).noneMatch(l -> l.toLowerCase().startsWith("x-amzn-mtls"));
        MutualTlsTest.ConnectionLine line = awaitLine(before, port);
        assertThat(line.tlsVerifyStatus()).isEqualTo("-");
        assertThat(line.leafClientCertSubject()).isEqualTo("-");

        // The rule on a client certificate does not match a connection without one: /who is forwarded.
        Processes.Result who = Processes.run(curl("optional", "localhost", null, "/who"));
        assertThat(who.stdout()).isEqualTo("ok");
    }

    @Test
    void optionalWithAGoodCertificateIsVerifiedIdentifiedAndMatchesRules() throws Exception {
        int before = lines().size();
        int port = FreePort.loopback();
        List<String> cmd = curl("optional", "localhost", "good", "/identified");
        cmd.addAll(1, List.of("--local-port", String.valueOf(port)));
        RecordingTarget.Request r = forwarded(cmd);
        assertThat(r.headers("X-Amzn-Mtls-Clientcert-Subject")).containsExactly(subject);
        MutualTlsTest.ConnectionLine line = awaitLine(before, port);
        assertThat(line.tlsVerifyStatus()).isEqualTo("Success");
        assertThat(line.leafClientCertSubject()).isEqualTo("\"" + subject + "\"");

        Processes.Result who = Processes.run(curl("optional", "localhost", "good", "/who"));
        assertThat(who.stdout()).as(who.all()).isEqualTo("partner");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void optionalWithABadCertificateEndsTheHandshakeAsVerifyDoes(String tls) throws Exception {
        int before = lines().size();
        int port = FreePort.loopback();
        Processes.Result r = sClient("optional", "localhost", "untrusted", tls, port);
        assertThat(MutualTlsTest.receivedAlerts(r.stdout())).as(r.all()).contains(48);
        assertThat(awaitLine(before, port).tlsVerifyStatus()).isEqualTo("Failed:ClientCertUntrusted");
    }

    // ---------------------------------------------------------------- failure_response: http

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void noCertificateGets496AndNothingReachesTheTarget(String http) throws Exception {
        int before = lines().size();
        int requests = target.requests.size();
        int port = FreePort.loopback();
        List<String> cmd = page("pages", null, http, "text/html,application/xhtml+xml,*/*;q=0.8");
        cmd.addAll(1, List.of("--local-port", String.valueOf(port)));
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).endsWith("496\n").contains("<title>496 SSL Certificate Required</title>")
                .contains("ClientCertMissing");
        assertThat(awaitLine(before, port).tlsVerifyStatus()).isEqualTo("Failed:ClientCertMissing");
        assertThat(target.requests).hasSize(requests);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void aRefusedCertificateGets495AsJsonNamingCodeAndStep(String http) throws Exception {
        int before = lines().size();
        int requests = target.requests.size();
        int port = FreePort.loopback();
        List<String> cmd = page("pages", "untrusted", http, "application/json");
        cmd.addAll(1, List.of("--local-port", String.valueOf(port)));
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).endsWith("495\n").contains("\"code\":\"ClientCertUntrusted\"")
                .contains("\"step\":\"chain building\"").contains("\"status\":495")
                .doesNotContain(dir.toString()); // the client learns the failure, not the gateway's files
        MutualTlsTest.ConnectionLine line = awaitLine(before, port);
        assertThat(line.tlsVerifyStatus()).isEqualTo("Failed:ClientCertUntrusted");
        assertThat(line.tlsProtocol()).isIn("TLSv1.2", "TLSv1.3");
        assertThat(target.requests).hasSize(requests);
    }

    @Test
    void everyRequestOfARefusedConnectionIsAnsweredNoneForwarded() throws Exception {
        int requests = target.requests.size();
        List<String> cmd = page("pages", "untrusted", "--http1.1", "*/*");
        cmd.add("https://localhost:" + gateway.boundPort("pages") + "/second");
        Processes.Result r = Processes.run(cmd);
        assertThat(r.stdout()).as(r.all()).contains("495\n").doesNotContain("ok");
        assertThat(r.stdout().split("495\n", -1)).hasSize(3);
        assertThat(target.requests).hasSize(requests);
    }

    @Test
    void aGoodCertificateOnAnHttpFailureListenerIsForwarded() throws Exception {
        RecordingTarget.Request r = forwarded(curl("pages", "localhost", "good", "/fine"));
        assertThat(r.headers("X-Amzn-Mtls-Clientcert-Subject")).containsExactly(subject);
    }

    // ---------------------------------------------------------------- server_names

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void aVerifyOnlyHostOverAConnectionThatSkippedVerificationGets421(String http) throws Exception {
        int requests = target.requests.size();
        List<String> cmd = curl("names", "open.test", null, "/partners-only");
        cmd.addAll(1, List.of(http, "-H", "Host: partners.test", "-w", "%{http_code}", "-o", "/dev/null"));
        cmd.remove("--fail");
        Processes.Result r = Processes.run(cmd);
        assertThat(r.stdout()).as(r.all()).isEqualTo("421");
        assertThat(target.requests).hasSize(requests);

        // A name under the wildcard is the verify policy's too.
        cmd = curl("names", "open.test", null, "/partners-only");
        cmd.addAll(1, List.of(http, "-H", "Host: api.partners.test", "-w", "%{http_code}", "-o", "/dev/null"));
        cmd.remove("--fail");
        assertThat(Processes.run(cmd).stdout()).isEqualTo("421");
        assertThat(target.requests).hasSize(requests);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void theVerifyHostWithoutACertificateFailsTheHandshake(String tls) throws Exception {
        int before = lines().size();
        int port = FreePort.loopback();
        Processes.Result r = sClient("names", "partners.test", null, tls, port);
        assertThat(MutualTlsTest.receivedAlerts(r.stdout())).as(r.all()).contains(tls.equals("1.3") ? 116 : 40);
        assertThat(awaitLine(before, port).tlsVerifyStatus()).isEqualTo("Failed:ClientCertMissing");
    }

    @Test
    void theVerifyHostWithAGoodCertificateIsForwardedWithIdentity() throws Exception {
        RecordingTarget.Request r = forwarded(curl("names", "partners.test", "good", "/partners"));
        assertThat(r.headers("X-Partner-Subject")).containsExactly(subject);
        assertThat(r.headers("X-Amzn-Mtls-Clientcert-Subject")).isEmpty();
        assertThat(r.headers("Host")).containsExactly("partners.test:" + gateway.boundPort("names"));
    }

    @Test
    void theOpenHostIsServedWithoutACertificateAndNotOverTheVerifiedConnection() throws Exception {
        RecordingTarget.Request r = forwarded(curl("names", "open.test", null, "/open"));
        assertThat(r.headers("X-Amzn-Mtls-Clientcert-Subject")).isEmpty();
        // Nor the other way round: a verified connection serves only the names of its own policy.
        List<String> cmd = curl("names", "partners.test", "good", "/open");
        cmd.addAll(1, List.of("-H", "Host: open.test", "-w", "%{http_code}", "-o", "/dev/null"));
        cmd.remove("--fail");
        assertThat(Processes.run(cmd).stdout()).isEqualTo("421");
    }

    @Test
    void aServerNamesRenamedIdentityHeaderSentByAClientIsStrippedOnEveryPolicy() throws Exception {
        List<String> cmd = curl("names", "open.test", null, "/spoof");
        cmd.addAll(List.of("-H", "X-Partner-Subject: CN=admin", "-H", "x_partner_subject: CN=admin"));
        RecordingTarget.Request r = forwarded(cmd);
        assertThat(r.headers("X-Partner-Subject")).isEmpty();
        assertThat(r.headers("x_partner_subject")).isEmpty();
    }

    @Test
    void aServerNameWithCertificatesOfItsOwnPresentsThemAndTheyAreWatchedForReload() throws Exception {
        // curl checks the name against the certificate: only own.pem covers own.test.
        RecordingTarget.Request r = forwarded(curl("names", "own.test", null, "/own"));
        assertThat(r.requestLine()).startsWith("GET /own ");
        assertThat(gateway.watchedFiles()).contains(dir.resolve("own.pem").toAbsolutePath().normalize(),
                dir.resolve("own.key").toAbsolutePath().normalize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void aSessionOfOneServerNameIsNotResumedUnderAnotherPolicy(String tls) throws Exception {
        Path session = dir.resolve("open-" + tls + ".session");
        Processes.Result first = sClient("names", "open.test", null, tls, FreePort.loopback(),
                "-sess_out", session.toString());
        assertThat(first.stdout()).as(first.all()).contains("New, ");
        // The open policy resumes its own sessions (the session file is good) ...
        Processes.Result again = sClient("names", "open.test", null, tls, FreePort.loopback(),
                "-sess_in", session.toString());
        assertThat(again.stdout()).as(again.all()).contains("Reused, ");
        // ... but the partners policy never takes it: a full handshake, which asks for a certificate.
        Processes.Result other = sClient("names", "partners.test", "good", tls, FreePort.loopback(),
                "-sess_in", session.toString());
        assertThat(other.stdout()).as(other.all()).contains("New, ").doesNotContain("Reused, ");
    }

    @Test
    void aClientWithoutServerNameGetsTheListenersOwnPolicy() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "10", "-k",
                "https://127.0.0.1:" + gateway.boundPort("names") + "/no-sni"));
        RecordingTarget.Request r = forwarded(cmd);
        assertThat(r.requestLine()).startsWith("GET /no-sni ");
    }

    // ---------------------------------------------------------------- helpers

    /** curl to {@code listener} for {@code https://name:port/path}, {@code name} resolved to 127.0.0.1. */
    static List<String> curl(String listener, String name, String client, String path) {
        int port = gateway.boundPort(listener);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "10",
                "--cacert", dir.resolve("server-ca.pem").toString(), "--resolve", name + ":" + port + ":127.0.0.1"));
        if (client != null) {
            cmd.addAll(List.of("--cert", dir.resolve(client + ".pem").toString(),
                    "--key", dir.resolve(client + ".key").toString()));
        }
        cmd.add("https://" + name + ":" + port + path);
        return cmd;
    }

    /** curl printing the body, then the status on a line of its own, of a request with {@code Accept}. */
    static List<String> page(String listener, String client, String http, String accept) {
        List<String> cmd = curl(listener, "localhost", client, "/page");
        cmd.remove("--fail");
        cmd.addAll(1, List.of(http, "-H", "Accept: " + accept, "-w", "%{http_code}\n"));
        return cmd;
    }

    static Processes.Result sClient(String listener, String name, String client, String tls, int localPort,
                                    String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                "127.0.0.1:" + gateway.boundPort(listener), "-bind", "127.0.0.1:" + localPort,
                "-servername", name, "-msg", tls.equals("1.3") ? "-tls1_3" : "-tls1_2", "-ign_eof"));
        cmd.addAll(List.of(options));
        if (client != null) {
            cmd.addAll(List.of("-cert", dir.resolve(client + ".pem").toString(),
                    "-key", dir.resolve(client + ".key").toString()));
        }
        return Processes.run(cmd, "GET / HTTP/1.1\r\nHost: " + name + "\r\nConnection: close\r\n\r\n", 20);
    }

    /** Runs {@code cmd}, which must succeed, and returns the one request it made the target receive. */
    static RecordingTarget.Request forwarded(List<String> cmd) throws Exception {
        int before = target.requests.size();
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(target.requests).hasSize(before + 1);
        return List.copyOf(target.requests).get(before);
    }

    static String single(RecordingTarget.Request r, String name) {
        assertThat(r.headers(name)).as(name).hasSize(1);
        return r.headers(name).get(0);
    }

    static MutualTlsTest.ConnectionLine awaitLine(int before, int clientPort) throws Exception {
        return MutualTlsTest.awaitConnectionLine(connectionLog, before, clientPort);
    }

    static List<String> lines() throws Exception {
        return Files.exists(connectionLog) ? Files.readAllLines(connectionLog, StandardCharsets.UTF_8) : List.of();
    }
}
