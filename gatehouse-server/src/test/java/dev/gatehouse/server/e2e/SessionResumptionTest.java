package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.e2e.MutualTlsTest.ConnectionLine;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session resumption over real handshakes with {@code openssl s_client -sess_out / -sess_in}, under TLS 1.2
 * and TLS 1.3: a resumed connection carries the same identity headers and log fields as a full one, is
 * judged again against the trust material of now (a client revoked since its session began is refused and
 * nothing reaches the target), resumes on another instance sharing the ticket keys, never across server
 * names or a changed mutual-authentication policy, and never on a verify listener that did not turn it on.
 */
class SessionResumptionTest {
    private static final String SUBJECT = "X-Amzn-Mtls-Clientcert-Subject";
    private static final String SERIAL = "X-Amzn-Mtls-Clientcert-Serial-Number";

    @TempDir
    Path dir;

    HeldCertificate clientCa;
    HeldCertificate alice;
    RecordingTarget target;
    Gateway gateway;
    Gateway second;
    Path config;

    @BeforeEach
    void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Resumption Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost").serverAuth().build()
                .writeTo(dir, "server");
        HeldCertificate.builder().commonName("other.test").signedBy(serverCa).addSanDns("other.test").serverAuth().build()
                .writeTo(dir, "other");
        clientCa = HeldCertificate.builder().commonName("Resumption Test Client CA").ca(0).build();
        alice = HeldCertificate.builder().commonName("alice").signedBy(clientCa).clientAuth().build();
        alice.writeTo(dir, "alice");
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.certificatePem());
        Files.writeString(dir.resolve("clients.crl"), HeldCertificate.crlPem(HeldCertificate.crl(clientCa, Duration.ofDays(1))));
        byte[] keys = new byte[96];
        new SecureRandom().nextBytes(keys);
        Files.write(dir.resolve("tickets.key"), keys);
        Files.createDirectories(dir.resolve("logs"));
        target = RecordingTarget.start();
        config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml("mode: verify, trust_store: clients"));
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    private String yaml(String resumingPolicy) {
        return """
                name: resumption-test
                listeners:
                  - name: resuming
                    address: 127.0.0.1:0
                    tls:
                      certificates:
                        - { certificate: server.pem, private_key: server.key }
                        - { certificate: other.pem, private_key: other.key }
                      session_resumption: { enabled: true, lifetime: 10m, ticket_keys: tickets.key }
                    mutual_authentication: { %s }
                    default_action: { forward: recorder }
                  - name: named
                    address: 127.0.0.1:0
                    tls:
                      certificates: [ { certificate: server.pem, private_key: server.key } ]
                      session_resumption: { enabled: true, ticket_keys: tickets.key }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    server_names:
                      - names: [partners.test]
                        mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: recorder }
                  - name: verify-default
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: recorder }
                  - name: open
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    default_action: { forward: recorder }
                trust_stores:
                  clients:
                    ca_certificates: clients-ca.pem
                    revocation_lists: [ clients.crl ]
                target_groups:
                  recorder:
                    targets: [ "127.0.0.1:%d" ]
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                reload: { watch_files: false }
                """.formatted(resumingPolicy, target.port());
    }

    @AfterEach
    void stop() throws Exception {
        for (Gateway g : new Gateway[] {gateway, second}) {
            if (g != null) {
                g.stop(Duration.ofSeconds(2));
            }
        }
        target.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aResumedConnectionCarriesTheSameIdentityHeadersAndLogFieldsAsItsFullHandshake(String tls) throws Exception {
        Handshake full = sClient(gateway, "resuming", "localhost", tls, "/full", false);
        assertThat(full.session()).as(full.output()).isEqualTo("New");
        // lifetime (10m) bounds TLS 1.2 sessions; TLS 1.3 tickets get BoringSSL's own two days.
        assertThat(full.output()).contains("TLS session ticket lifetime hint: " + (tls.equals("1.2") ? 600 : 172800));
        Handshake resumed = sClient(gateway, "resuming", "localhost", tls, "/resumed", true);
        assertThat(resumed.session()).as(resumed.output()).isEqualTo("Reused");
        assertThat(resumed.output()).contains("HTTP/1.1 200");

        List<RecordingTarget.Request> requests = new ArrayList<>(target.requests);
        assertThat(requests).extracting(RecordingTarget.Request::requestLine)
                .containsExactly("GET /full HTTP/1.1", "GET /resumed HTTP/1.1");
        assertThat(requests.get(1).headers(SUBJECT)).containsExactly("CN=alice").isEqualTo(requests.get(0).headers(SUBJECT));
        assertThat(requests.get(1).headers(SERIAL)).hasSize(1).isEqualTo(requests.get(0).headers(SERIAL));

        assertThat(resumed.log().tlsVerifyStatus()).as(resumed.log().line()).isEqualTo("Success");
        assertThat(resumed.log().leafClientCertSubject()).isEqualTo(full.log().leafClientCertSubject()).contains("CN=alice");
        assertThat(resumed.log().leafClientCertSerialNumber()).isEqualTo(full.log().leafClientCertSerialNumber());
        assertThat(resumed.log().leafClientCertValidity()).isEqualTo(full.log().leafClientCertValidity());
        assertThat(resumed.log().tlsProtocol()).isEqualTo(full.log().tlsProtocol());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aClientRevokedAfterItsSessionBeganCannotResumeAndNothingReachesTheTarget(String tls) throws Exception {
        Handshake full = sClient(gateway, "resuming", "localhost", tls, "/before", false);
        assertThat(full.log().tlsVerifyStatus()).isEqualTo("Success");
        Files.writeString(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                HeldCertificate.crl(clientCa, Duration.ofDays(1), alice.certificate().getSerialNumber())));
        ReloadResult reload = gateway.reload();
        assertThat(reload.success()).as(reload.toString()).isTrue();

        Handshake refused = sClient(gateway, "resuming", "localhost", tls, "/after", true);
        assertThat(refused.log().tlsVerifyStatus()).as(refused.log().line()).isEqualTo("Failed:ClientCertCrlHit");
        assertThat(refused.log().leafClientCertSubject()).contains("CN=alice");
        assertThat(refused.output()).doesNotContain("HTTP/1.1");
        assertThat(target.requests).extracting(RecordingTarget.Request::requestLine).containsExactly("GET /before HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void twoInstancesSharingTicketKeysResumeEachOthersSessions(String tls) throws Exception {
        second = Gateway.start(ConfigParser.parse(config));
        Handshake full = sClient(gateway, "resuming", "localhost", tls, "/first-instance", false);
        assertThat(full.session()).isEqualTo("New");
        Handshake resumed = sClient(second, "resuming", "localhost", tls, "/second-instance", true);
        assertThat(resumed.session()).as(resumed.output()).isEqualTo("Reused");
        assertThat(resumed.log().tlsVerifyStatus()).isEqualTo("Success");
        assertThat(target.requests).extracting(r -> r.headers(SUBJECT)).containsOnly(List.of("CN=alice"));
    }

    /** Both server names are served by the same listener with the same ticket keys; each certificate's context has its own sessions. */
    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aSessionIsNotResumedUnderAnotherServerName(String tls) throws Exception {
        assertThat(sClient(gateway, "resuming", "localhost", tls, "/localhost", false).session()).isEqualTo("New");
        Handshake other = sClient(gateway, "resuming", "other.test", tls, "/other", true);
        assertThat(other.session()).as(other.output()).isEqualTo("New");
        assertThat(other.log().tlsVerifyStatus()).isEqualTo("Success");
    }

    /**
     * One certificate and one set of ticket keys for the listener's own policy and a {@code server_names}
     * entry with a policy of its own: sessions resume within the entry, never across to the listener's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aSessionIsNotResumedUnderAnotherServerNamesPolicyWithTheSameCertificate(String tls) throws Exception {
        assertThat(sClient(gateway, "named", "partners.test", tls, "/partners", false).session()).isEqualTo("New");
        Handshake again = sClient(gateway, "named", "partners.test", tls, "/partners-again", true);
        assertThat(again.session()).as(again.output()).isEqualTo("Reused");
        assertThat(again.log().tlsVerifyStatus()).isEqualTo("Success");
        Handshake across = sClient(gateway, "named", "localhost", tls, "/own", true);
        assertThat(across.session()).as(across.output()).isEqualTo("New");
        assertThat(across.log().tlsVerifyStatus()).isEqualTo("Success");
    }

    @Test
    void aSessionIsNotResumedAfterTheListenersMutualAuthenticationPolicyChanged() throws Exception {
        assertThat(sClient(gateway, "resuming", "localhost", "1.3", "/before", false).session()).isEqualTo("New");
        Files.writeString(config, yaml("mode: verify, trust_store: clients, ignore_client_certificate_expiry: true"));
        ReloadResult reload = gateway.reload();
        assertThat(reload.success()).as(reload.toString()).isTrue();
        Handshake after = sClient(gateway, "resuming", "localhost", "1.3", "/after", true);
        assertThat(after.session()).as(after.output()).isEqualTo("New");
        assertThat(after.log().tlsVerifyStatus()).isEqualTo("Success");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "1.3"})
    void aVerifyListenerWithoutTheOptionNeverResumes(String tls) throws Exception {
        Handshake first = sClient(gateway, "verify-default", "localhost", tls, "/one", false);
        assertThat(first.session()).isEqualTo("New");
        assertThat(first.output()).contains("HTTP/1.1 200");
        // s_client saves a session only when it can be resumed: no ticket (TLS 1.2 or 1.3), no session id.
        assertThat(dir.resolve("session.pem")).as(first.output()).doesNotExist();
        assertThat(first.output()).doesNotContain("TLS session ticket:");

        // A session the client holds from elsewhere (the resuming listener, same certificate) is not taken either.
        assertThat(sClient(gateway, "resuming", "localhost", tls, "/elsewhere", false).session()).isEqualTo("New");
        Handshake again = sClient(gateway, "verify-default", "localhost", tls, "/two", true);
        assertThat(again.session()).as(again.output()).isEqualTo("New");
        assertThat(again.log().tlsVerifyStatus()).isEqualTo("Success");
        assertThat(target.requests).hasSize(3);
    }

    @Test
    void aListenerWithoutClientCertificatesResumesByDefault() throws Exception {
        assertThat(sClient(gateway, "open", "localhost", "1.3", "/one", false).session()).isEqualTo("New");
        assertThat(sClient(gateway, "open", "localhost", "1.3", "/two", true).session()).isEqualTo("Reused");
    }

    /** What one {@code s_client} run showed: its output, "New" or "Reused", and its connection-log line. */
    record Handshake(String output, String session, ConnectionLine log) {}

    /**
     * One connection with alice's certificate that sends one request and reads until the gateway closes
     * (so a TLS 1.3 ticket, sent after the handshake, is read and saved), saving its session to
     * {@code session.pem}, or offering the saved one when {@code resume}.
     */
    private Handshake sClient(Gateway g, String listener, String serverName, String tls, String path, boolean resume)
            throws Exception {
        Path log = dir.resolve("logs/connection.log");
        int before = Files.exists(log) ? Files.readAllLines(log).size() : 0;
        int clientPort = FreePort.loopback();
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + g.boundPort(listener),
                "-bind", "127.0.0.1:" + clientPort, "-servername", serverName, tls.equals("1.3") ? "-tls1_3" : "-tls1_2",
                "-cert", dir.resolve("alice.pem").toString(), "-key", dir.resolve("alice.key").toString(), "-ign_eof",
                resume ? "-sess_in" : "-sess_out", dir.resolve("session.pem").toString()));
        Processes.Result r = Processes.run(cmd,
                "GET " + path + " HTTP/1.1\r\nHost: " + serverName + "\r\nConnection: close\r\n\r\n", 20);
        String out = r.all();
        String session = out.contains("\nReused, ") ? "Reused" : out.contains("\nNew, ") ? "New" : "none";
        try {
            return new Handshake(out, session, MutualTlsTest.awaitConnectionLine(log, before, clientPort));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the client said: " + out, e);
        }
    }
}
