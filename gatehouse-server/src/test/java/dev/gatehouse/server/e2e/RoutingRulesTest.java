package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.NamedTarget;
import dev.gatehouse.server.testing.Processes;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Routing and authorization by client identity over real mutual-TLS connections ({@code curl} with
 * client certificates): one table of requests over a listener with 17 rules, four verified client
 * certificates (partner A, partner B, a device, an ops SPIFFE identity) and a passthrough listener that
 * trusts unverified identities; each row names the target that must answer or the status Gatehouse must
 * send. Spoofed identity headers are in the table too: they never influence a rule.
 */
class RoutingRulesTest {
    @TempDir
    static Path dir;

    static Gateway gateway;
    static final List<NamedTarget> targets = new ArrayList<>();
    static Path accessLog;
    static String partnerASubject;

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Routing Test Server CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build();
        server.writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());

        HeldCertificate root = HeldCertificate.builder().subject("CN=Partner Root CA,O=Gatehouse Test").ca(1).build();
        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());
        HeldCertificate partnerA = HeldCertificate.builder().subject("CN=partner-a,O=Partner A\\, Ltd.,C=GB")
                .serial(new BigInteger("0A01", 16)).addSanDns("api.partner-a.example").signedBy(root).clientAuth().build();
        partnerA.writeTo(dir, "partner-a");
        partnerASubject = CertificateNames.subject(partnerA.certificate());
        HeldCertificate.builder().subject("CN=partner-b,O=Partner B").addSanDns("a.b.devices.acme.test")
                .signedBy(root).clientAuth().build().writeTo(dir, "partner-b");
        HeldCertificate.builder().subject("CN=device-0042,OU=Devices,O=Acme").addSanDns("d0042.devices.acme.test")
                .signedBy(root).clientAuth().build().writeTo(dir, "device");
        HeldCertificate ops = HeldCertificate.builder().subject("CN=ops-alice,O=Acme")
                .addSanUri("spiffe://acme.test/ops/alice").addSanEmail("alice@acme.test")
                .signedBy(root).clientAuth().build();
        ops.writeTo(dir, "ops");
        HeldCertificate.builder().subject("CN=rogue-device").addSanDns("rogue.devices.acme.test").clientAuth().build()
                .writeTo(dir, "rogue");
        // The ops fingerprint as a person would paste it: upper case with colons.
        String fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(HexFormat.of().parseHex(CertificateNames.fingerprintSha256(ops.certificate())));

        for (String name : List.of("payments", "telemetry", "admin", "app", "api-v2")) {
            targets.add(NamedTarget.start(name));
        }
        accessLog = dir.resolve("access.log");
        String yaml = """
                listeners:
                  - name: api
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: partners }
                    rules:
                      - priority: 10
                        when: { path: ["/healthz"] }
                        then: { fixed_response: { status: 200, body: "ok" } }
                      - priority: 15
                        when: { path: ["/spoof-check"], header: { x-amzn-mtls-clientcert-subject: ["*"] } }
                        then: { fixed_response: { status: 200, body: "header seen" } }
                      - priority: 20
                        when:
                          path: ["/payments/*"]
                          client_certificate: { subject: ["CN=partner-a,O=Partner A\\\\, Ltd."] }
                        then: { forward: payments }
                      - priority: 21
                        when: { path: ["/payments/*"] }
                        then: { deny: { status: 403 } }
                      - priority: 30
                        when:
                          path: ["/telemetry/*"]
                          client_certificate: { san_dns: ["*.devices.acme.test"], issuer: ["CN=Partner Root CA"] }
                        then: { forward: telemetry }
                      - priority: 31
                        when: { path: ["/telemetry/*"] }
                        then: { deny: {} }
                      - priority: 40
                        when:
                          path: ["/admin", "/admin/*"]
                          client_certificate: { san_uri: ["spiffe://acme.test/ops/*"] }
                        then: { forward: admin }
                      - priority: 41
                        when: { path: ["/admin", "/admin/*"] }
                        then: { deny: { status: 403 } }
                      - priority: 50
                        when: { host: ["*.legacy.test"] }
                        then: { redirect: { status: 301, protocol: https, host: new.test, port: "443", path: "/moved#{path}" } }
                      - priority: 60
                        when: { method: [POST], path: ["/api/*"], header: { x-version: ["2"] } }
                        then: { forward: api-v2 }
                      - priority: 65
                        when: { path: ["/split"] }
                        then: { forward: [ { target_group: app, weight: 5 }, { target_group: api-v2, weight: 0 } ] }
                      - priority: 70
                        when: { query: { debug: ["1", "yes"] } }
                        then: { fixed_response: { status: 200, body: "debug" } }
                      - priority: 80
                        when: { source_ip: ["10.0.0.0/8"] }
                        then: { deny: { status: 451 } }
                      - priority: 90
                        when: { path: ["/serial"], client_certificate: { serial: ["0a:01"] } }
                        then: { fixed_response: { status: 200, body: "serial-a" } }
                      - priority: 95
                        when: { path: ["/whoami"], client_certificate: { fingerprint_sha256: ["%s"] } }
                        then: { fixed_response: { status: 200, body: "ops-by-fingerprint" } }
                      - priority: 96
                        when: { path: ["/device-only"], client_certificate: { subject: ["ou=devices"] } }
                        then: { fixed_response: { status: 200, body: "device" } }
                      - priority: 97
                        when: { path: ["/mail"], client_certificate: { san_email: ["*@ACME.test"], subject: ["CN=ops-*,O=Acme"] } }
                        then: { fixed_response: { status: 200, body: "mail" } }
                    default_action: { forward: app }
                  - name: devices
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: passthrough, trust_unverified_identity: true }
                    rules:
                      - priority: 1
                        when: { client_certificate: { san_dns: ["*.devices.acme.test"] } }
                        then: { forward: telemetry }
                    default_action: { deny: { status: 403 } }
                trust_stores:
                  partners: { ca_certificates: clients-ca.pem }
                target_groups:
                  payments: { targets: ["%s"] }
                  telemetry: { targets: ["%s"] }
                  admin: { targets: ["%s"] }
                  app: { targets: ["%s"] }
                  api-v2: { targets: ["%s"] }
                logs: { access: access.log }
                """.formatted(fingerprint, targets.get(0).address(), targets.get(1).address(),
                targets.get(2).address(), targets.get(3).address(), targets.get(4).address());
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        targets.forEach(NamedTarget::close);
    }

    static final String SPOOF_SUBJECT = "X-Amzn-Mtls-Clientcert-Subject: CN=partner-a,O=Partner A\\, Ltd.,C=GB";

    /** listener, client certificate (or null), method, path, extra headers, expected target or status. */
    static Stream<Arguments> table() {
        return Stream.of(
                row("api", "partner-a", "GET", "/payments/charge", "payments"),
                row("api", "partner-a", "POST", "/payments/refunds/7", "payments"),
                row("api", "device", "GET", "/payments/charge", "403"),
                row("api", "ops", "GET", "/payments/charge", "403"),
                row("api", "partner-b", "GET", "/payments/charge", "403"),
                row("api", "device", "POST", "/telemetry/ingest", "telemetry"),
                row("api", "device", "GET", "/telemetry/a/b/c", "telemetry"),
                // *.devices.acme.test: the * never crosses a dot, so a.b.devices.acme.test is not a device
                row("api", "partner-b", "GET", "/telemetry/ingest", "403"),
                row("api", "partner-a", "GET", "/telemetry/ingest", "403"),
                row("api", "ops", "GET", "/admin", "admin"),
                row("api", "ops", "DELETE", "/admin/users/7", "admin"),
                row("api", "partner-a", "GET", "/admin/users", "403"),
                row("api", "device", "GET", "/admin", "403"),
                row("api", "partner-b", "GET", "/healthz", "200 ok"),
                row("api", "partner-a", "GET", "/old/page?q=1", "301 https://new.test/moved/old/page?q=1",
                        "Host: www.legacy.test"),
                row("api", "partner-a", "GET", "/old", "app", "Host: legacy.test"),
                row("api", "device", "POST", "/api/orders", "api-v2", "X-Version: 2"),
                row("api", "device", "GET", "/api/orders", "app", "X-Version: 2"),
                row("api", "partner-b", "POST", "/api/orders", "app", "X-Version: 1"),
                row("api", "partner-b", "GET", "/split", "app"),
                row("api", "partner-a", "GET", "/search?debug=yes", "200 debug"),
                row("api", "partner-a", "GET", "/search?debug=0", "app"),
                row("api", "partner-a", "GET", "/serial", "200 serial-a"),
                row("api", "partner-b", "GET", "/serial", "app"),
                row("api", "ops", "GET", "/whoami", "200 ops-by-fingerprint"),
                row("api", "partner-a", "GET", "/whoami", "app"),
                row("api", "device", "GET", "/device-only", "200 device"),
                row("api", "ops", "GET", "/device-only", "app"),
                row("api", "ops", "GET", "/mail", "200 mail"),
                row("api", "partner-a", "GET", "/mail", "app"),
                // Spoofed identity headers are stripped before routing: they change nothing.
                row("api", "device", "GET", "/payments/charge", "403", SPOOF_SUBJECT),
                row("api", "device", "GET", "/payments/charge", "403",
                        "X_Amzn_Mtls_Clientcert_Subject: CN=partner-a,O=Partner A\\, Ltd.,C=GB"),
                row("api", "ops", "GET", "/spoof-check", "app", SPOOF_SUBJECT),
                row("api", "device", "GET", "/admin", "403",
                        "X-Forwarded-Client-Cert: URI=spiffe://acme.test/ops/alice"),
                // Passthrough listener that trusts unverified identities.
                row("devices", "rogue", "POST", "/telemetry/ingest", "telemetry"),
                row("devices", "device", "GET", "/anything", "telemetry"),
                row("devices", "partner-a", "GET", "/telemetry/ingest", "403"),
                row("devices", null, "GET", "/telemetry/ingest", "403"),
                row("devices", null, "GET", "/telemetry/ingest", "403",
                        "X-Amzn-Mtls-Clientcert: -----BEGIN%20CERTIFICATE-----%0A"));
    }

    static Arguments row(String listener, String client, String method, String path, String expected, String... headers) {
        return Arguments.of(listener, client, method, path, List.of(headers), expected);
    }

    @ParameterizedTest(name = "[{index}] {0} {1} {2} {3} {4} -> {5}")
    @MethodSource("table")
    void eachRequestReachesItsTargetOrStatus(String listener, String client, String method, String path,
                                              List<String> headers, String expected) throws Exception {
        assertThat(request(listener, client, method, path, headers)).isEqualTo(expected);
    }

    @Test
    void theTableIsBigEnough() {
        assertThat(table().count()).isGreaterThanOrEqualTo(30);
    }

    @Test
    void accessLogSaysWhichRuleMatchedAndWhyARequestWasDenied() throws Exception {
        request("api", "partner-a", "GET", "/payments/logged", List.of());
        request("api", "device", "GET", "/payments/denied-logged", List.of());
        request("devices", null, "GET", "/no-identity-logged", List.of());
        String forwarded = awaitLine("\"/payments/logged\"");
        assertThat(forwarded).contains(" 200 ").contains(" 20 " + targets.get(0).address() + " ")
                .contains("\"" + partnerASubject.replace("\\", "\\\\") + "\"");
        String denied = awaitLine("\"/payments/denied-logged\"");
        assertThat(denied).contains(" 403 ").contains(" 21 - ").endsWith(" \"denied by rule\"");
        String noIdentity = awaitLine("\"/no-identity-logged\"");
        assertThat(noIdentity).contains(" 403 ").contains(" default - ")
                .endsWith(" \"denied by default_action: no rule matched (no client certificate identity)\"");
    }

    static String awaitLine(String containing) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(accessLog)) {
                for (String line : Files.readAllLines(accessLog)) {
                    if (line.contains(containing)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access-log line with " + containing);
    }

    /** The target that answered ({@code target=NAME}), else {@code status [location] [body]}. */
    static String request(String listener, String client, String method, String path, List<String> headers)
            throws Exception {
        int port = gateway.boundPort(listener);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-X", method,
                "--cacert", dir.resolve("server-ca.pem").toString(),
                "--resolve", "localhost:" + port + ":127.0.0.1",
                "-w", "\n%{http_code} %{redirect_url}"));
        if (client != null) {
            cmd.addAll(List.of("--cert", dir.resolve(client + ".pem").toString(),
                    "--key", dir.resolve(client + ".key").toString()));
        }
        for (String h : headers) {
            cmd.addAll(List.of("-H", h));
        }
        cmd.add("https://localhost:" + port + path);
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        String out = r.stdout();
        int nl = out.lastIndexOf('\n');
        String body = out.substring(0, nl).trim();
        String[] status = out.substring(nl + 1).trim().split(" ", 2);
        if (body.startsWith("target=")) {
            return body.substring("target=".length());
        }
        StringBuilder sb = new StringBuilder(status[0]);
        if (status.length > 1 && !status[1].isBlank()) {
            sb.append(' ').append(status[1]);
        }
        if (status[0].equals("200") && !body.isEmpty()) {
            sb.append(' ').append(body);
        }
        return sb.toString();
    }
}
