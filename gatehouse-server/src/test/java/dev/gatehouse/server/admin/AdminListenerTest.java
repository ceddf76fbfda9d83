package dev.gatehouse.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.pki.testing.Json;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.e2e.TlsClients;
import dev.gatehouse.server.testing.EchoTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener against a running gateway: real handshakes (a good client, an untrusted one, a
 * revoked one, an expired one) and requests (200, 403), then {@code /metrics} parsed with the Prometheus
 * client's own classes, the rejections API with the verifier's words, the JSON logs, and reloads.
 */
class AdminListenerTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static GatewayProcess process;
    static HeldCertificate serverCa;
    static HeldCertificate good;
    static HeldCertificate untrusted;
    static HeldCertificate revoked;
    static HeldCertificate expired;
    static Path config;
    static String yaml;
    /** The client CA's name as Gatehouse prints names (RFC 2253: the last attribute first). */
    static String rootName;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        serverCa = HeldCertificate.builder().commonName("Admin Test Server CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build();
        server.writeTo(dir, "server");
        HeldCertificate root = HeldCertificate.builder().subject("CN=Partner Root CA,O=Partners").ca(1).build();
        rootName = dev.gatehouse.pki.CertificateNames.subject(root.certificate());
        HeldCertificate stranger = HeldCertificate.builder().commonName("Stranger Root").ca(0).build();
        good = HeldCertificate.builder().commonName("good-client").signedBy(root).clientAuth().build();
        untrusted = HeldCertificate.builder().commonName("untrusted-client").signedBy(stranger).clientAuth().build();
        revoked = HeldCertificate.builder().commonName("revoked-client").signedBy(root).clientAuth().build();
        expired = HeldCertificate.builder().commonName("expired-client").signedBy(root).clientAuth().expired().build();
        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());
        Files.writeString(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                HeldCertificate.crl(root, Duration.ofDays(1), revoked.certificate().getSerialNumber())));
        Files.createDirectories(dir.resolve("logs"));
        yaml = """
                name: gw-admin
                listeners:
                  - name: mtls
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    rules:
                      - priority: 10
                        when: { path: ["/private/*"] }
                        then: { deny: { status: 403 } }
                    default_action: { forward: echo }
                trust_stores:
                  clients:
                    ca_certificates: clients-ca.pem
                    revocation_lists: [ clients.crl ]
                target_groups:
                  echo:
                    targets: [ "%s" ]
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                  format: json
                reload: { watch_files: false }
                admin:
                  address: 127.0.0.1:0
                """.formatted(target.address());
        config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml);
        process = GatewayProcess.start(ConfigParser.parse(config));

        assertThat(request(good, "/hello")).isEqualTo(200);
        assertThat(request(good, "/private/secret")).isEqualTo(403);
        for (HeldCertificate refused : List.of(untrusted, revoked, expired)) {
            assertThat(request(refused, "/hello")).as(refused.certificate().getSubjectX500Principal().getName())
                    .isEqualTo(-1);
        }
        await(() -> process.gateway().telemetry().rejections().total() >= 4);
    }

    @AfterAll
    static void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    static int adminPort() {
        return process.admin().port();
    }

    /** One request on a new connection: the status, or -1 when the handshake was refused. */
    static int request(HeldCertificate client, String path) throws Exception {
        SSLContext ctx = TlsClients.context(client, serverCa.certificate());
        try (SSLSocket s = TlsClients.connect(ctx, process.gateway().boundPort("mtls"))) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!head.startsWith("HTTP/1.1 ")) {
                return -1;
            }
            return Integer.parseInt(head.substring(9, 12));
        } catch (IOException e) {
            return -1;
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(condition.getAsBoolean()).as("condition reached within 20 s").isTrue();
    }

    static Scrape scrape() throws Exception {
        var r = AdminHttp.get(adminPort(), "/metrics", Scrape.PROTOBUF_ACCEPT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/vnd.google.protobuf");
        return new Scrape(r.body());
    }

    @Test
    void everyMetricOfTheContractIsScrapedWithItsLabelsAndCounts() throws Exception {
        Scrape s = scrape();
        assertThat(s.value("gatehouse_tls_handshakes_total", "listener", "mtls", "result", "success", "code", "none"))
                .isEqualTo(2.0);
        assertThat(s.value("gatehouse_tls_handshakes_total", "listener", "mtls", "result", "failure", "code",
                "ClientCertUntrusted")).isEqualTo(1.0);
        assertThat(s.value("gatehouse_tls_handshakes_total", "listener", "mtls", "result", "failure", "code",
                "ClientCertCrlHit")).isEqualTo(1.0);
        assertThat(s.value("gatehouse_tls_handshakes_total", "listener", "mtls", "result", "failure", "code",
                "ClientCertExpired")).isEqualTo(1.0);
        // Every other code exists at zero from the start.
        assertThat(s.value("gatehouse_tls_handshakes_total", "listener", "mtls", "result", "failure", "code",
                "ClientCertMissing")).isEqualTo(0.0);
        assertThat(s.samples("gatehouse_tls_handshakes_total")).hasSize(1 + FailureCode.values().length);
        assertThat(s.value("gatehouse_tls_handshake_duration_seconds", "listener", "mtls")).isEqualTo(2.0);
        assertThat(s.value("gatehouse_requests_total", "listener", "mtls", "rule", "default", "target_group", "echo",
                "status", "200")).isEqualTo(1.0);
        assertThat(s.value("gatehouse_requests_total", "listener", "mtls", "rule", "10", "target_group", "-",
                "status", "403")).isEqualTo(1.0);
        assertThat(s.value("gatehouse_request_duration_seconds", "listener", "mtls")).isEqualTo(2.0);
        assertThat(s.value("gatehouse_connections_open", "listener", "mtls")).isEqualTo(0.0);
        assertThat(s.value("gatehouse_target_healthy", "target_group", "echo", "target", target.address())).isEqualTo(1.0);
        assertThat(s.samples("gatehouse_certificate_not_after_seconds"))
                .anySatisfy(x -> assertThat(x.labels()).containsEntry("source", "listener").containsEntry("name", "mtls")
                        .containsEntry("subject", "CN=localhost").containsKey("serial"))
                .anySatisfy(x -> assertThat(x.labels()).containsEntry("source", "trust_store")
                        .containsEntry("name", "clients").containsEntry("subject", rootName));
        double notAfter = s.samples("gatehouse_certificate_not_after_seconds").stream()
                .filter(x -> "listener".equals(x.labels().get("source"))).findFirst().orElseThrow().value();
        assertThat((long) notAfter).isGreaterThan(System.currentTimeMillis() / 1000);
        assertThat(s.samples("gatehouse_crl_next_update_seconds")).singleElement().satisfies(x ->
                assertThat(x.labels()).containsEntry("trust_store", "clients")
                        .containsEntry("issuer", rootName));
        assertThat(s.value("gatehouse_config_reloads_total", "result", "failure")).isNotNull();
        assertThat(s.value("gatehouse_config_reloads_total", "result", "success")).isNotNull();
        assertThat(s.value("gatehouse_config_last_reload_success_timestamp_seconds")).isPositive();
        assertThat(s.value("gatehouse_log_lines_dropped_total", "log", "connection")).isEqualTo(0.0);
        assertThat(s.value("gatehouse_log_lines_dropped_total", "log", "access")).isEqualTo(0.0);
        assertThat(s.value("gatehouse_verdict_cache_lookups_total", "result", "miss")).isPositive();
        assertThat(s.value("gatehouse_verdict_cache_lookups_total", "result", "hit")).isNotNull();
        assertThat(s.families.keySet()).anyMatch(n -> n.startsWith("jvm_memory"));
    }

    @Test
    void metricsAreTextByDefaultAndOpenMetricsWhenAsked() throws Exception {
        var text = AdminHttp.get(adminPort(), "/metrics", null);
        String body = new String(text.body(), StandardCharsets.UTF_8);
        assertThat(text.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        assertThat(body).contains("# TYPE gatehouse_tls_handshakes_total counter",
                "gatehouse_requests_total{listener=\"mtls\",rule=\"default\",status=\"200\",target_group=\"echo\"} 1");
        var open = AdminHttp.get(adminPort(), "/metrics", "application/openmetrics-text; version=1.0.0");
        assertThat(open.headers().firstValue("content-type").orElse("")).startsWith("application/openmetrics-text");
        assertThat(new String(open.body(), StandardCharsets.UTF_8)).endsWith("# EOF\n");
    }

    @Test
    @SuppressWarnings("unchecked")
    void rejectionsCarryTheVerifiersFailingStepAndWordsNewestFirst() throws Exception {
        var r = AdminHttp.get(adminPort(), "/api/v1/rejections?limit=10");
        assertThat(r.statusCode()).isEqualTo(200);
        List<Map<String, Object>> list = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(r.body()))
                .get("rejections");
        assertThat(list).extracting(m -> m.get("code"))
                .containsExactly("ClientCertExpired", "ClientCertCrlHit", "ClientCertUntrusted", "RequestDenied");
        Map<String, Object> crlHit = list.get(1);
        assertThat(crlHit).containsEntry("kind", "handshake").containsEntry("listener", "mtls")
                .containsEntry("subject", "CN=revoked-client").containsEntry("issuer", rootName)
                .containsEntry("serial", dev.gatehouse.pki.CertificateNames.serialHex(revoked.certificate()));
        assertThat((String) crlHit.get("step")).startsWith("revocation").contains("fail");
        assertThat((String) crlHit.get("explanation")).contains("revoked");
        assertThat((String) crlHit.get("client")).startsWith("127.0.0.1:");
        assertThat((String) list.get(3).get("explanation")).contains("/private/secret", "denied by rule");
        assertThat(((List<?>) ((Map<String, Object>) Json.parse(AdminHttp.get(adminPort(), "/api/v1/rejections?limit=1")
                .body())).get("rejections"))).hasSize(1);
        assertThat(AdminHttp.get(adminPort(), "/api/v1/rejections?limit=zero").statusCode()).isEqualTo(400);
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonLogsHaveTheTextFieldsInSnakeCaseAndExplainFailedHandshakes() throws Exception {
        await(() -> lines("connection.log").size() >= 5 && lines("access.log").size() >= 2);
        List<Map<String, Object>> connections = lines("connection.log").stream()
                .map(l -> (Map<String, Object>) Json.parse(l)).toList();
        assertThat(connections.get(0)).containsKeys("timestamp", "client_ip", "client_port", "listener_port",
                "tls_protocol", "tls_cipher", "tls_handshake_latency", "leaf_client_cert_subject",
                "leaf_client_cert_validity", "leaf_client_cert_serial_number", "tls_verify_status", "conn_trace_id",
                "tls_keyexchange", "gateway", "listener_address").doesNotContainKey("explanation")
                .containsEntry("tls_verify_status", "Success").containsEntry("gateway", "gw-admin");
        assertThat(connections).filteredOn(m -> "Failed:ClientCertCrlHit".equals(m.get("tls_verify_status")))
                .singleElement().satisfies(m -> assertThat((String) m.get("explanation")).contains("revoked"));
        Map<String, Object> access = (Map<String, Object>) Json.parse(lines("access.log").get(0));
        assertThat(access).containsKeys("time", "trace_id", "client", "listener", "protocol", "method", "host", "path",
                "status", "bytes_received", "bytes_sent", "rule", "target", "total_seconds", "target_seconds",
                "client_subject", "reason").containsEntry("path", "/hello").containsEntry("client_subject", "CN=good-client");
        assertThat(((Number) access.get("status")).intValue()).isEqualTo(200);
    }

    static List<String> lines(String log) {
        try {
            return Files.readAllLines(dir.resolve("logs").resolve(log));
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void stateListsListenersCertificatesCrlsTargetsAndTheLastReload() throws Exception {
        var r = AdminHttp.get(adminPort(), "/api/v1/state");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> state = (Map<String, Object>) Json.parse(r.body());
        Map<String, Object> listener = ((List<Map<String, Object>>) state.get("listeners")).get(0);
        assertThat(listener).containsEntry("name", "mtls").containsEntry("mode", "verify")
                .containsEntry("trust_store", "clients")
                .as("the bound address, not the configured port 0")
                .containsEntry("address", "127.0.0.1:" + process.gateway().boundPort("mtls"));
        assertThat((List<Map<String, Object>>) listener.get("certificates")).singleElement()
                .satisfies(c -> assertThat(c).containsEntry("subject", "CN=localhost").containsKeys("not_after", "seconds_left"));
        Map<String, Object> store = ((List<Map<String, Object>>) state.get("trust_stores")).get(0);
        assertThat((List<Map<String, Object>>) store.get("crls")).singleElement()
                .satisfies(c -> assertThat(c).containsEntry("stale", false).containsKey("next_update"));
        Map<String, Object> group = ((List<Map<String, Object>>) state.get("target_groups")).get(0);
        assertThat((List<Map<String, Object>>) group.get("targets")).singleElement()
                .satisfies(t -> assertThat(t).containsEntry("address", target.address()).containsEntry("healthy", true));
        assertThat((Map<String, Object>) state.get("last_reload")).containsKeys("success", "generation", "error", "at",
                "last_success_at");
        assertThat(((Number) state.get("generation")).longValue()).isEqualTo(process.gateway().generation());
    }

    @Test
    @SuppressWarnings("unchecked")
    void reloadAnswersWithTheNewGenerationOrTheErrorAndIsCounted() throws Exception {
        long before = process.gateway().generation();
        var ok = AdminHttp.send(adminPort(), "POST", "/api/v1/reload");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(((Number) ((Map<String, Object>) Json.parse(ok.body())).get("generation")).longValue())
                .isEqualTo(before + 1);
        try {
            Files.writeString(config, yaml.replace("mode: verify, trust_store: clients", "mode: verify, trust_store: nowhere"));
            var broken = AdminHttp.send(adminPort(), "POST", "/api/v1/reload");
            assertThat(broken.statusCode()).isEqualTo(422);
            Map<String, Object> body = (Map<String, Object>) Json.parse(broken.body());
            assertThat((String) body.get("error")).startsWith(config + ":6: listeners[0].mutual_authentication.trust_store");
            assertThat(((Number) body.get("generation")).longValue()).isEqualTo(before + 1);
        } finally {
            Files.writeString(config, yaml);
        }
        Scrape s = scrape();
        assertThat(s.value("gatehouse_config_reloads_total", "result", "failure")).isGreaterThanOrEqualTo(1.0);
        assertThat(s.value("gatehouse_config_reloads_total", "result", "success")).isGreaterThanOrEqualTo(1.0);
        assertThat(AdminHttp.send(adminPort(), "GET", "/api/v1/reload").statusCode()).isEqualTo(405);
        assertThat(AdminHttp.send(adminPort(), "POST", "/metrics").statusCode()).isEqualTo(405);
        assertThat(AdminHttp.get(adminPort(), "/nowhere").statusCode()).isEqualTo(404);
        assertThat(AdminHttp.get(adminPort(), "/healthz").statusCode()).isEqualTo(200);
        assertThat(AdminHttp.get(adminPort(), "/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricTheExampleAlertsNameIsScraped() throws Exception {
        Path alerts = Path.of("..", "docs", "alerts.yml");
        Map<String, Object> doc = new org.yaml.snakeyaml.Yaml().load(Files.readString(alerts));
        List<Map<String, Object>> rules = (List<Map<String, Object>>) ((List<Map<String, Object>>) doc.get("groups"))
                .get(0).get("rules");
        assertThat(rules).extracting(r -> r.get("alert")).containsExactly("GatehouseCertificateExpiringSoon",
                "GatehouseCrlStale", "GatehouseRejectionSpike", "GatehouseNoHealthyTarget", "GatehouseReloadFailing");
        Scrape s = scrape();
        java.util.Set<String> named = new java.util.TreeSet<>();
        for (Map<String, Object> rule : rules) {
            assertThat(rule).containsKeys("expr", "labels", "annotations");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("gatehouse_[a-z_]+").matcher((String) rule.get("expr"));
            while (m.find()) {
                named.add(m.group().replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        assertThat(named).hasSizeGreaterThanOrEqualTo(5);
        assertThat(s.families.keySet()).containsAll(named);
    }
}
