package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.TrustStoreLimits;
import dev.gatehouse.server.config.ActionConfig.WeightedTargetGroup;
import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing;
import dev.gatehouse.server.config.TargetGroupConfig.TargetProtocol;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import dev.gatehouse.server.config.TlsConfig.TlsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
    static final String FULL = """
            name: gateway-1
            shutdown_timeout: 45s
            listeners:
              - name: api
                address: 0.0.0.0:8443
                protocol: https
                proxy_protocol: false
                tls:
                  certificates:
                    - certificate: certs/api.pem
                      private_key: certs/api.key
                    - certificate: certs/other.pem
                      private_key: certs/other.key
                  policy: tls13-only
                mutual_authentication:
                  mode: verify
                  trust_store: partners
                  ignore_client_certificate_expiry: true
                  advertise_trust_store_ca_names: false
                  header_names:
                    x_amzn_mtls_clientcert_subject: X-Client-Subject
                rules:
                  - priority: 30
                    when: { path: ["/internal/*"] }
                    then: { deny: { status: 404 } }
                  - priority: 10
                    when:
                      host: ["api.example.com", "*.api.example.com"]
                      path: ["/admin/*"]
                      method: [GET, POST]
                      header: { x-env: ["prod"] }
                      query: { debug: ["1"] }
                      source_ip: ["10.0.0.0/8", "2001:db8::/32", 192.168.1.7]
                      client_certificate:
                        subject: ["CN=ops-*,O=Acme"]
                        issuer: ["CN=Partner CA*"]
                        san_dns: ["*.ops.example.com"]
                        san_uri: ["spiffe://example.org/ops/*"]
                    then: { forward: [{target_group: app, weight: 90}, {target_group: admin, weight: 10}] }
                  - priority: 20
                    when: { path: ["/healthz"] }
                    then: { fixed_response: { status: 200, content_type: text/plain, body: "ok" } }
                  - priority: 25
                    then: { redirect: { status: 301, protocol: https, port: "443", path: "/v2#{path}" } }
                default_action: { forward: app }
                timeouts: { idle: 2m, request_head: 250ms, request_body: 30s, tunnel_idle: 10m }
              - name: plain
                address: 127.0.0.1:8080
                protocol: http
                default_action:
                  deny:
            trust_stores:
              partners:
                ca_certificates: trust/partners-ca.pem
                revocation_lists: [trust/partners.crl, /ABS/other.crl]
                max_chain_depth: 5
                max_revocation_entries: 1_000_000
            target_groups:
              app:
                protocol: http
                targets: ["127.0.0.1:9001", "[::1]:9002"]
                load_balancing: least_outstanding_requests
                health_check: { path: /health, interval: 10s, timeout: 5s, healthy_threshold: 3,
                                unhealthy_threshold: 2, success_codes: "200-399" }
              admin:
                protocol: https
                targets: ["admin.internal:443"]
                protocol_version: grpc
                tls: { trust_store: partners, server_name: admin.example.com,
                       certificate: certs/client.pem, private_key: certs/client.key }
                timeouts: { connect: 1s, response: 1h, idle: 4s }
            logs:
              connection: logs/connection.log
              access: /var/log/gatehouse/access.log
            """;

    @TempDir
    Path dir;
    @TempDir
    Path elsewhere;
    Path file;

    @BeforeEach
    void files() throws IOException {
        file = dir.resolve("gatehouse.yaml");
        for (String name : List.of("certs/api.pem", "certs/api.key", "certs/other.pem", "certs/other.key",
                "certs/client.pem", "certs/client.key", "trust/partners-ca.pem", "trust/partners.crl")) {
            touch(dir.resolve(name));
        }
        touch(elsewhere.resolve("other.crl"));
    }

    static void touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "not parsed by the config parser\n");
    }

    private GatewayConfig parse(String yaml) throws ConfigException {
        return ConfigParser.parse(yaml.replace("/ABS", elsewhere.toString()), file);
    }

    @Test
    void fullConfigParsesIntoRecords() throws Exception {
        GatewayConfig config = parse(FULL);

        assertThat(config.source()).isEqualTo(file);
        assertThat(config.name()).isEqualTo("gateway-1");
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("api", "plain");

        ListenerConfig api = config.listeners().get(0);
        assertThat(api.address()).isEqualTo(TargetAddress.of("0.0.0.0", 8443));
        assertThat(api.protocol()).isEqualTo(ListenerProtocol.HTTPS);
        assertThat(api.at()).isEqualTo(new ConfigLocation(file, 4, "listeners[0]"));
        assertThat(api.tls().policy()).isEqualTo(TlsPolicy.TLS13_ONLY);
        assertThat(api.tls().certificates()).hasSize(2);
        TlsConfig.CertificateKeyPair second = api.tls().certificates().get(1);
        assertThat(second.certificate()).isEqualTo(dir.resolve("certs/other.pem"));
        assertThat(second.privateKey()).isEqualTo(dir.resolve("certs/other.key"));
        assertThat(second.privateKeyAt()).isEqualTo(new ConfigLocation(file, 13, "listeners[0].tls.certificates[1].private_key"));

        MutualAuthConfig mtls = api.mutualAuthentication();
        assertThat(mtls.mode()).isEqualTo(MutualAuthMode.VERIFY);
        assertThat(mtls.trustStore()).isEqualTo("partners");
        assertThat(mtls.ignoreClientCertificateExpiry()).isTrue();
        assertThat(mtls.advertiseTrustStoreCaNames()).isFalse();
        assertThat(mtls.trustUnverifiedIdentity()).isFalse();
        assertThat(mtls.headerNames()).isEqualTo(Map.of(IdentityHeader.SUBJECT, "X-Client-Subject"));
        assertThat(mtls.headerName(IdentityHeader.SUBJECT)).isEqualTo("X-Client-Subject");
        assertThat(mtls.headerName(IdentityHeader.ISSUER)).isEqualTo("X-Amzn-Mtls-Clientcert-Issuer");

        assertThat(api.rules()).extracting(RuleConfig::priority).containsExactly(10, 20, 25, 30);
        RuleConfig admin = api.rules().get(0);
        assertThat(admin.at().key()).isEqualTo("listeners[0].rules[1]");
        assertThat(admin.when().host()).containsExactly("api.example.com", "*.api.example.com");
        assertThat(admin.when().method()).containsExactly("GET", "POST");
        assertThat(admin.when().header()).isEqualTo(Map.of("x-env", List.of("prod")));
        assertThat(admin.when().query()).isEqualTo(Map.of("debug", List.of("1")));
        assertThat(admin.when().sourceIp()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.168.1.7");
        assertThat(admin.when().clientCertificate().subject()).containsExactly("CN=ops-*,O=Acme");
        assertThat(admin.when().clientCertificate().sanUri()).containsExactly("spiffe://example.org/ops/*");
        assertThat(admin.when().clientCertificate().serial()).isEmpty();
        assertThat(admin.then()).isEqualTo(new ActionConfig.Forward(List.of(
                new WeightedTargetGroup("app", 90), new WeightedTargetGroup("admin", 10))));
        assertThat(api.rules().get(1).then()).isEqualTo(new ActionConfig.FixedResponse(200, "text/plain", "ok"));
        assertThat(api.rules().get(2).when()).isEqualTo(RuleConfig.Conditions.ALWAYS);
        assertThat(api.rules().get(2).then()).isEqualTo(new ActionConfig.Redirect(301, "https", null, "443", "/v2#{path}", null));
        assertThat(api.rules().get(3).then()).isEqualTo(new ActionConfig.Deny(404));
        assertThat(api.defaultAction()).isEqualTo(ActionConfig.Forward.to("app"));
        assertThat(api.timeouts()).isEqualTo(new ListenerTimeouts(Duration.ofMinutes(2), Duration.ofMillis(250),
                Duration.ofSeconds(30), Duration.ofMinutes(10)));

        ListenerConfig plain = config.listeners().get(1);
        assertThat(plain.protocol()).isEqualTo(ListenerProtocol.HTTP);
        assertThat(plain.tls()).isNull();
        assertThat(plain.mutualAuthentication()).isEqualTo(MutualAuthConfig.off(plain.at()));
        assertThat(plain.rules()).isEmpty();
        assertThat(plain.defaultAction()).isEqualTo(new ActionConfig.Deny(403));
        assertThat(plain.timeouts()).isEqualTo(ListenerTimeouts.DEFAULTS);
        assertThat(plain.timeouts().requestBody()).isEqualTo(Duration.ofSeconds(60));
        assertThat(plain.timeouts().tunnelIdle()).isEqualTo(Duration.ofHours(1));
        assertThat(plain.http2().maxConcurrentStreams()).isEqualTo(100);

        TrustStoreConfig partners = config.trustStores().get("partners");
        assertThat(partners.name()).isEqualTo("partners");
        assertThat(partners.caCertificates()).isEqualTo(dir.resolve("trust/partners-ca.pem"));
        assertThat(partners.revocationLists()).containsExactly(dir.resolve("trust/partners.crl"), elsewhere.resolve("other.crl"));
        assertThat(partners.revocationListsAt()).extracting(ConfigLocation::key)
                .containsExactly("trust_stores.partners.revocation_lists[0]", "trust_stores.partners.revocation_lists[1]");
        assertThat(partners.maxChainDepth()).isEqualTo(5);
        assertThat(partners.maxCaCertificates()).isEqualTo(TrustStoreLimits.DEFAULTS.maxCaCertificates());
        assertThat(partners.maxRevocationEntries()).isEqualTo(1_000_000L);
        assertThat(partners.caCertificatesAt()).isEqualTo(new ConfigLocation(file, 54, "trust_stores.partners.ca_certificates"));

        assertThat(config.targetGroups().keySet()).containsExactly("app", "admin");
        TargetGroupConfig app = config.targetGroups().get("app");
        assertThat(app.protocol()).isEqualTo(TargetProtocol.HTTP);
        assertThat(app.targets()).containsExactly(TargetAddress.of("127.0.0.1", 9001), TargetAddress.of("::1", 9002));
        assertThat(app.loadBalancing()).isEqualTo(LoadBalancing.LEAST_OUTSTANDING_REQUESTS);
        assertThat(app.protocolVersion()).isEqualTo(TargetGroupConfig.ProtocolVersion.HTTP1);
        assertThat(config.targetGroups().get("admin").protocolVersion()).isEqualTo(TargetGroupConfig.ProtocolVersion.GRPC);
        assertThat(app.healthCheck().path()).isEqualTo("/health");
        assertThat(app.healthCheck().interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(app.healthCheck().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(app.healthCheck().healthyThreshold()).isEqualTo(3);
        assertThat(app.healthCheck().unhealthyThreshold()).isEqualTo(2);
        assertThat(app.healthCheck().successCodes()).hasToString("200-399");
        assertThat(app.healthCheck().protocol()).isEqualTo(TargetGroupConfig.HealthCheckProtocol.HTTP);
        assertThat(app.tls()).isNull();
        assertThat(app.timeouts()).isEqualTo(TargetTimeouts.DEFAULTS);
        TargetGroupConfig adminGroup = config.targetGroups().get("admin");
        assertThat(adminGroup.protocol()).isEqualTo(TargetProtocol.HTTPS);
        assertThat(adminGroup.tls().trustStore()).isEqualTo("partners");
        assertThat(adminGroup.tls().serverName()).isEqualTo("admin.example.com");
        assertThat(adminGroup.tls().clientCertificate().certificate()).isEqualTo(dir.resolve("certs/client.pem"));
        assertThat(adminGroup.tls().clientCertificate().privateKey()).isEqualTo(dir.resolve("certs/client.key"));
        assertThat(adminGroup.timeouts()).isEqualTo(new TargetTimeouts(Duration.ofSeconds(1), Duration.ofHours(1),
                Duration.ofSeconds(4)));
        assertThat(adminGroup.healthCheck()).isNull();

        assertThat(config.logs().connection()).isEqualTo(dir.resolve("logs/connection.log"));
        assertThat(config.logs().access()).isEqualTo(Path.of("/var/log/gatehouse/access.log"));
        assertThat(config.logs().connectionAt().key()).isEqualTo("logs.connection");
        assertThat(config.logs().connectionAt().line()).isPositive();
    }

    static final String MINIMAL = """
            listeners:
              - address: 127.0.0.1:8443
                tls:
                  certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                mutual_authentication: { mode: %s }
                default_action: { fixed_response: { status: 200 } }
            """;

    @Test
    void defaultsWhenKeysAreAbsent() throws Exception {
        GatewayConfig config = parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                    default_action: { fixed_response: { status: 200 } }
                """);
        assertThat(config.name()).isEqualTo(ConfigParser.defaultName()).isNotBlank();
        assertThat(config.shutdownTimeout()).isEqualTo(GatewayConfig.DEFAULT_SHUTDOWN_TIMEOUT);
        assertThat(config.trustStores()).isEmpty();
        assertThat(config.targetGroups()).isEmpty();
        assertThat(config.logs()).isEqualTo(LogsConfig.NONE);
        ListenerConfig listener = config.listeners().get(0);
        assertThat(listener.name()).isEqualTo("127.0.0.1:8443");
        assertThat(listener.protocol()).isEqualTo(ListenerProtocol.HTTPS);
        assertThat(listener.tls().policy()).isEqualTo(TlsPolicy.TLS12_AND_13);
        assertThat(listener.mutualAuthentication()).isEqualTo(MutualAuthConfig.off(listener.at()));
        assertThat(listener.timeouts()).isEqualTo(ListenerTimeouts.DEFAULTS);
        assertThat(listener.http2()).isEqualTo(ListenerHttp2.DEFAULTS);
        assertThat(listener.defaultAction()).isEqualTo(new ActionConfig.FixedResponse(200, "text/plain", ""));
    }

    @Test
    void tlsPoliciesAndCipherListsNameTheirTls12Suites() throws Exception {
        GatewayConfig config = parse("""
                listeners:
                  - name: devices
                    address: 127.0.0.1:8443
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                      policy: tls12-legacy
                    default_action: { fixed_response: { status: 200 } }
                  - name: chosen
                    address: 127.0.0.1:8444
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                      policy: tls12-legacy
                      ciphers: [ECDHE-ECDSA-AES128-SHA256, "AES128-SHA256:ECDHE-ECDSA-AES128-SHA256"]
                    default_action: { fixed_response: { status: 200 } }
                  - name: modern
                    address: 127.0.0.1:8445
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                      policy: tls13-only
                    default_action: { fixed_response: { status: 200 } }
                """);
        TlsConfig legacy = config.listeners().get(0).tls();
        assertThat(legacy.policy()).isEqualTo(TlsPolicy.TLS12_LEGACY);
        assertThat(legacy.tls12Suites()).startsWith("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
                .contains("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256")
                .containsAll(TlsPolicy.TLS12_AND_13.tls12Suites());
        assertThat(TlsPolicy.TLS12_AND_13.tls12Suites()).allMatch(s -> s.startsWith("TLS_ECDHE_")
                && (s.contains("_GCM_") || s.contains("_CHACHA20_POLY1305_")));
        assertThat(config.listeners().get(1).tls().tls12Suites())
                .containsExactly("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256");
        assertThat(config.listeners().get(2).tls().tls12Suites()).isEmpty();
    }

    @Test
    void http2SettingsOfAListener() throws Exception {
        GatewayConfig config = parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                    http2: { max_concurrent_streams: 250 }
                    default_action: { fixed_response: { status: 200 } }
                  - address: 127.0.0.1:8080
                    protocol: http
                    http2: {}
                    default_action: { fixed_response: { status: 200 } }
                """);
        assertThat(config.listeners().get(0).http2()).isEqualTo(new ListenerHttp2(250));
        assertThat(config.listeners().get(1).http2()).isEqualTo(ListenerHttp2.DEFAULTS);
    }

    @Test
    void bareOffIsTheModeOffNotTheBooleanFalse() throws Exception {
        for (String spelling : List.of("off", "'off'", "\"off\"")) {
            ListenerConfig listener = parse(MINIMAL.formatted(spelling)).listeners().get(0);
            assertThat(listener.mutualAuthentication().mode()).as(spelling).isEqualTo(MutualAuthMode.OFF);
        }
        assertThat(parse(MINIMAL.formatted("passthrough")).listeners().get(0).mutualAuthentication().mode())
                .isEqualTo(MutualAuthMode.PASSTHROUGH);
    }

    @Test
    void yamlBooleanWordsAreNotModes() {
        for (String word : List.of("false", "no", "on", "yes", "OFF")) {
            assertThatThrownBy(() -> parse(MINIMAL.formatted(word)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessage(file + ":5: listeners[0].mutual_authentication.mode: unknown mode '" + word
                            + "' (expected: one of off, passthrough, optional, verify)");
        }
    }

    @Test
    void stringFieldsKeepTheirTextEvenWhenYamlWouldReadABoolean() throws Exception {
        GatewayConfig config = parse("""
                name: on
                listeners:
                  - name: yes
                    address: 127.0.0.1:8080
                    protocol: http
                    default_action: { fixed_response: { status: 200, body: no } }
                """);
        assertThat(config.name()).isEqualTo("on");
        assertThat(config.listeners().get(0).name()).isEqualTo("yes");
        assertThat(config.listeners().get(0).defaultAction()).isEqualTo(new ActionConfig.FixedResponse(200, "text/plain", "no"));
    }

    @Test
    void durationsTakeAUnit() throws Exception {
        String yaml = """
                shutdown_timeout: %s
                listeners:
                  - address: 127.0.0.1:8080
                    protocol: http
                    default_action: { deny: {} }
                """;
        assertThat(parse(yaml.formatted("250ms")).shutdownTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(parse(yaml.formatted("5s")).shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(parse(yaml.formatted("2m")).shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(parse(yaml.formatted("1h")).shutdownTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(parse(yaml.formatted("1m30s")).shutdownTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(parse(yaml.formatted("0s")).shutdownTimeout()).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> parse(yaml.formatted("30")))
                .hasMessage(file + ":1: shutdown_timeout: '30' has no unit (expected: " + ConfigNode.DURATION_FORM + ")");
        assertThatThrownBy(() -> parse(yaml.formatted("5 sec")))
                .hasMessage(file + ":1: shutdown_timeout: '5 sec' is not a duration (expected: " + ConfigNode.DURATION_FORM + ")");
    }

    @Test
    void relativePathsResolveAgainstTheConfigDirectoryNotTheWorkingDirectory() throws Exception {
        Path sub = dir.resolve("conf");
        touch(sub.resolve("tls/gw.pem"));
        touch(sub.resolve("tls/gw.key"));
        GatewayConfig config = ConfigParser.parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      certificates: [{certificate: tls/gw.pem, private_key: ../conf/tls/./gw.key}]
                    default_action: { deny: {} }
                logs: { connection: conn.log }
                """, sub.resolve("gatehouse.yaml"));
        TlsConfig.CertificateKeyPair pair = config.listeners().get(0).tls().certificates().get(0);
        assertThat(pair.certificate()).isEqualTo(sub.resolve("tls/gw.pem"));
        assertThat(pair.privateKey()).isEqualTo(sub.resolve("tls/gw.key"));
        assertThat(config.logs().connection()).isEqualTo(sub.resolve("conn.log"));
    }

    @Test
    void parseReadsTheFileFromDisk() throws Exception {
        Files.writeString(file, FULL.replace("/ABS", elsewhere.toString()));
        GatewayConfig config = ConfigParser.parse(file);
        assertThat(config.listeners()).hasSize(2);
        assertThat(config.source()).isEqualTo(file);
    }

    @Test
    void aMissingConfigFileIsAConfigException() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigParser.parse(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(missing + ": <yaml>: file not found: " + missing.toAbsolutePath());
    }

    @Test
    void anOversizedFileIsRefusedBeforeParsing() throws Exception {
        Files.writeString(file, "# " + "x".repeat(ConfigParser.MAX_DOCUMENT_BYTES) + "\n");
        assertThatThrownBy(() -> ConfigParser.parse(file))
                .hasMessageStartingWith(file + ": <yaml>: document of ")
                .hasMessageEndingWith("(expected: at most 1048576 bytes)");
    }

    @Test
    void aliasBombIsRefusedWithTheLine() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            yaml.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                yaml.append(i == 0 ? "" : ", ").append('*').append((char) (c - 1));
            }
            yaml.append("]\n");
        }
        // Nine aliases per line from line 2: the 21st is on line 4.
        assertThatThrownBy(() -> parse(yaml.toString()))
                .hasMessage(file + ":4: <yaml>: more than 20 aliases (expected: at most 20; write the values out)");
    }

    @Test
    void trustUnverifiedIdentityAllowsClientCertificateRulesOnPassthrough() throws Exception {
        ListenerConfig listener = parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                    mutual_authentication: { mode: passthrough, trust_unverified_identity: true }
                    rules:
                      - priority: 1
                        when: { client_certificate: { fingerprint_sha256: ["%s"], serial: ["03A5B1"] } }
                        then: { deny: { status: 401 } }
                    default_action: { deny: {} }
                """.formatted("ab".repeat(32))).listeners().get(0);
        assertThat(listener.mutualAuthentication().trustUnverifiedIdentity()).isTrue();
        assertThat(listener.rules().get(0).when().clientCertificate().fingerprintSha256()).containsExactly("ab".repeat(32));
        assertThat(listener.rules().get(0).when().clientCertificate().serial()).containsExactly("03A5B1");
        assertThat(listener.rules().get(0).then()).isEqualTo(new ActionConfig.Deny(401));
    }

    @Test
    void aFewAliasesAreFine() throws Exception {
        GatewayConfig config = parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls: &tls
                      certificates: [{certificate: certs/api.pem, private_key: certs/api.key}]
                    default_action: &deny { deny: {} }
                  - address: 127.0.0.1:8444
                    tls: *tls
                    default_action: *deny
                """);
        // An alias keeps the line of its anchor but gets the key path of where it is used.
        assertThat(config.listeners().get(1).tls()).isEqualTo(new TlsConfig(List.of(new TlsConfig.CertificateKeyPair(dir.resolve("certs/api.pem"),
                        new ConfigLocation(file, 4, "listeners[1].tls.certificates[0].certificate"),
                        dir.resolve("certs/api.key"), new ConfigLocation(file, 4, "listeners[1].tls.certificates[0].private_key"))),
                TlsPolicy.TLS12_AND_13));
        assertThat(config.listeners().get(1).defaultAction()).isEqualTo(new ActionConfig.Deny(403));
    }

    @Test
    void errorsCarryTheirLocation() {
        assertThatThrownBy(() -> parse("listeners: []\n"))
                .isInstanceOfSatisfying(ConfigException.class, e ->
                        assertThat(e.location()).isEqualTo(new ConfigLocation(file, 1, "listeners")));
    }
}
