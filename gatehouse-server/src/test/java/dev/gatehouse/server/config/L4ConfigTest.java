package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keys of L4 deployments: {@code proxy_protocol} on listeners, {@code protocol: tls_passthrough}
 * listeners with their SNI rules, and {@code proxy_protocol: v2} on target groups; what they accept and how
 * a mistake is named (file, line, key).
 */
class L4ConfigTest {
    /** A passthrough listener (lines 1-11) and two target groups (12-16). */
    static final String PASSTHROUGH = """
            listeners:
              - name: l4
                address: 127.0.0.1:8443
                protocol: tls_passthrough
                proxy_protocol: { mode: required, trusted_sources: ["10.0.0.0/8", "2001:db8::/32"] }
                rules:
                  - when: { sni: ["api.example.com", "*.api.example.com"] }
                    then: { forward: api }
                  - priority: 5
                    then: { forward: web }
                default_action: { forward: web }
            target_groups:
              api:
                targets: ["127.0.0.1:9443"]
                proxy_protocol: v2
              web: { targets: ["127.0.0.1:9444"] }
            """;

    @TempDir
    Path dir;

    @Test
    void passthroughListenerAndProxyProtocolAreRead() throws Exception {
        GatewayConfig config = ConfigParser.parse(PASSTHROUGH, dir.resolve("gatehouse.yaml"));
        ListenerConfig l = config.listeners().get(0);
        assertThat(l.protocol()).isEqualTo(ListenerProtocol.TLS_PASSTHROUGH);
        assertThat(l.tls()).isNull();
        assertThat(l.proxyProtocol().required()).isTrue();
        assertThat(l.proxyProtocol().trustedSources()).containsExactly("10.0.0.0/8", "2001:db8::/32");
        // Priorities default to the position; sorted lowest first.
        assertThat(l.sniRules()).extracting(SniRuleConfig::priority).containsExactly(1, 5);
        assertThat(l.sniRules().get(0).sni()).containsExactly("api.example.com", "*.api.example.com");
        assertThat(l.sniRules().get(1).sni()).isEmpty();
        assertThat(l.rules()).isEmpty();
        assertThat(config.targetGroups().get("api").proxyProtocol()).isTrue();
        assertThat(config.targetGroups().get("web").proxyProtocol()).isFalse();
    }

    @Test
    void proxyProtocolDefaultsToOff() throws Exception {
        GatewayConfig config = ConfigParser.parse(PASSTHROUGH.replace(
                "    proxy_protocol: { mode: required, trusted_sources: [\"10.0.0.0/8\", \"2001:db8::/32\"] }\n", "")
                .replace("    default_action: { forward: web }\n", ""), dir.resolve("gatehouse.yaml"));
        ListenerConfig l = config.listeners().get(0);
        assertThat(l.proxyProtocol().required()).isFalse();
        assertThat(l.defaultAction()).as("a passthrough listener may close what no rule matches").isNull();
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                Arguments.of("required without trusted_sources",
                        PASSTHROUGH.replace(", trusted_sources: [\"10.0.0.0/8\", \"2001:db8::/32\"]", ""), 5,
                        "listeners[0].proxy_protocol.trusted_sources", "missing (expected: the CIDR blocks of the balancers"),
                Arguments.of("bad CIDR", PASSTHROUGH.replace("\"10.0.0.0/8\"", "\"10.0.0.1/8\""), 5,
                        "listeners[0].proxy_protocol.trusted_sources[0]", "host bits are set"),
                Arguments.of("unknown mode", PASSTHROUGH.replace("mode: required", "mode: optional"), 5,
                        "listeners[0].proxy_protocol.mode", "unknown mode 'optional' (expected: one of off, required)"),
                Arguments.of("trusted_sources with mode off", PASSTHROUGH.replace("mode: required", "mode: off"), 5,
                        "listeners[0].proxy_protocol.trusted_sources", "only used with mode: required"),
                Arguments.of("tls on passthrough", PASSTHROUGH.replace("    rules:\n",
                                "    tls: { certificates: [ { certificate: a.pem, private_key: a.key } ] }\n    rules:\n"), 6,
                        "listeners[0].tls", "not allowed: a tls_passthrough listener does not terminate TLS"),
                Arguments.of("mutual_authentication on passthrough", PASSTHROUGH.replace("    rules:\n",
                                "    mutual_authentication: { mode: verify }\n    rules:\n"), 6,
                        "listeners[0].mutual_authentication", "not allowed: a tls_passthrough listener does not terminate TLS"),
                Arguments.of("host condition on passthrough", PASSTHROUGH.replace("when: { sni:", "when: { host: [\"a\"], sni:"), 7,
                        "listeners[0].rules[0].when.host", "cannot see host (expected: sni, the ClientHello's server name)"),
                Arguments.of("fixed_response on passthrough", PASSTHROUGH.replace("then: { forward: web }",
                                "then: { fixed_response: { status: 200 } }"), 10,
                        "listeners[0].rules[1].then.fixed_response", "cannot answer with HTTP"),
                Arguments.of("request_body timeout on passthrough", PASSTHROUGH.replace("    rules:\n",
                                "    timeouts: { request_body: 5s }\n    rules:\n"), 6,
                        "listeners[0].timeouts.request_body", "not allowed: a tls_passthrough listener does not terminate TLS"),
                Arguments.of("tunnel_idle timeout on passthrough", PASSTHROUGH.replace("    rules:\n",
                                "    timeouts: { tunnel_idle: 5s }\n    rules:\n"), 6,
                        "listeners[0].timeouts.tunnel_idle", "not allowed: a tls_passthrough listener does not terminate TLS"),
                Arguments.of("server_names on passthrough", PASSTHROUGH.replace("    rules:\n",
                                "    server_names: []\n    rules:\n"), 6,
                        "listeners[0].server_names", "not allowed: a tls_passthrough listener does not terminate TLS"),
                Arguments.of("duplicate default priority", PASSTHROUGH.replace("priority: 5", "priority: 1"), 9,
                        "listeners[0].rules[1].priority", "duplicate priority 1"),
                Arguments.of("unknown group proxy_protocol", PASSTHROUGH.replace("proxy_protocol: v2", "proxy_protocol: v1"), 15,
                        "target_groups.api.proxy_protocol", "unknown PROXY protocol version 'v1' (expected: one of off, v2)"),
                Arguments.of("group with v2 behind an http listener", """
                        listeners:
                          - address: 127.0.0.1:8080
                            protocol: http
                            default_action: { forward: api }
                        target_groups:
                          api:
                            targets: ["127.0.0.1:9443"]
                            proxy_protocol: v2
                        """, 6, "target_groups.api.proxy_protocol",
                        "v2 on a group that listener 127.0.0.1:8080 (http) forwards requests to"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void mistakesAreNamedByFileLineAndKey(String name, String yaml, int line, String key, String gist) throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(dir.resolve("a.pem"), "x");
        Files.writeString(dir.resolve("a.key"), "x");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigParser.parse(yaml, file));
        assertThat(e).as("%s should be refused", name).isNotNull();
        assertThat(e.problems()).extracting(Throwable::getMessage).anySatisfy(m ->
                assertThat(m).startsWith(file + ":" + line + ": " + key + ": ").contains(gist));
        assertThat(List.of(e.getMessage())).isNotEmpty();
    }
}
