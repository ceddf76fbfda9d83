package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Broken configurations, each with the exact {@code file:line: key: } its error must start with and
 * the gist of what the message must say.
 */
class ConfigParserErrorsTest {
    /** A valid config to break: lines 1-11. */
    static final String BASE = """
            listeners:
              - name: api
                address: 127.0.0.1:8443
                tls:
                  certificates:
                    - certificate: certs/api.pem
                      private_key: certs/api.key
                default_action: { forward: app }
            target_groups:
              app:
                targets: ["127.0.0.1:9001"]
            """;

    /** A valid config with a verify listener and a trust store: lines 1-16. */
    static final String VERIFY = """
            listeners:
              - name: api
                address: 127.0.0.1:8443
                tls:
                  certificates:
                    - certificate: certs/api.pem
                      private_key: certs/api.key
                mutual_authentication:
                  mode: verify
                  trust_store: partners
                default_action: { deny: {} }
            trust_stores:
              partners:
                ca_certificates: certs/ca.pem
            target_groups:
              app: { targets: ["127.0.0.1:9001"] }
            """;

    /** An admin listener over TLS, to append to {@link #VERIFY}: lines 17-19. */
    static final String ADMIN_TLS = """
            admin:
              address: 127.0.0.1:9901
              tls: { certificates: [ { certificate: certs/api.pem, private_key: certs/api.key } ] }
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void certificates() throws IOException {
        Files.createDirectories(dir.resolve("certs"));
        for (String name : new String[] {"api.pem", "api.key", "ca.pem"}) {
            Files.writeString(dir.resolve("certs").resolve(name), "dummy");
        }
    }

    static Stream<Arguments> brokenConfigs() {
        return Stream.of(
                broken("YAML syntax error", BASE.replace("address: 127.0.0.1:8443", "address: a: b"),
                        3, "<yaml>", "YAML syntax error: mapping values are not allowed here"),
                broken("unterminated flow list", "listeners: [\n  {address: x\n", 3, "<yaml>", "YAML syntax error"),
                broken("two documents", BASE + "---\nname: x\n", 12, "<yaml>",
                        "a second YAML document (expected: one document; remove the ---)"),
                broken("document is a list", "- a\n- b\n", 1, "<yaml>",
                        "wrong type: a list (expected: a mapping with at least 'listeners')"),
                broken("unknown top-level key", BASE + "listener: {}\n", 12, "listener",
                        "unknown key (expected: one of name, listeners, trust_stores, target_groups, logs, shutdown_timeout, reload, admin)"),
                broken("zero drain timeout", BASE + "reload: { drain_timeout: 0s }\n", 12, "reload.drain_timeout",
                        "'0s' is zero (expected: a duration > 0)"),
                broken("unknown reload key", BASE + "reload: { drain: 10m }\n", 12, "reload.drain",
                        "unknown key (expected: one of watch_files, drain_timeout)"),
                broken("unknown listener key", BASE.replace("    tls:", "    tsl: {}\n    tls:"), 4, "listeners[0].tsl",
                        "unknown key (expected: one of name, address, protocol, proxy_protocol, tls, mutual_authentication,"
                                + " rules, default_action, timeouts, http2, server_names)"),
                broken("duplicate key", BASE.replace("    tls:", "    address: 127.0.0.1:1\n    tls:"), 4,
                        "listeners[0].address", "duplicate key (expected: each key once; first at line 3)"),
                broken("listeners is a mapping", "listeners: { api: {} }\n", 1, "listeners",
                        "wrong type: a mapping (expected: a list of listeners)"),
                broken("listeners missing", "target_groups: {}\nname: x\n", 1, "listeners",
                        "missing (expected: a list of listeners)"),
                broken("listeners empty", "listeners: []\n", 1, "listeners", "empty list (expected: at least one listener)"),
                broken("address missing", BASE.replace("    address: 127.0.0.1:8443\n", ""), 2,
                        "listeners[0].address", "missing (expected: host:port"),
                broken("port out of range", BASE.replace("127.0.0.1:8443", "127.0.0.1:70000"), 3,
                        "listeners[0].address", "port out of range: 70000 (expected: 0-65535)"),
                broken("tls missing on https", BASE.replace("""
                            tls:
                              certificates:
                                - certificate: certs/api.pem
                                  private_key: certs/api.key
                        """, ""), 2, "listeners[0].tls", "missing (expected: tls with certificates on an https listener)"),
                broken("certificates missing", BASE.replace("""
                              certificates:
                                - certificate: certs/api.pem
                                  private_key: certs/api.key
                        """, "      policy: tls13-only\n"), 4, "listeners[0].tls.certificates",
                        "missing (expected: a list of {certificate, private_key})"),
                broken("certificate file missing", BASE.replace("certs/api.pem", "certs/nope.pem"), 6,
                        "listeners[0].tls.certificates[0].certificate", "file not found: DIR/certs/nope.pem"),
                broken("private key path is a directory", BASE.replace("certs/api.key", "certs"), 7,
                        "listeners[0].tls.certificates[0].private_key", "not a regular file: DIR/certs"),
                broken("unknown forward format", VERIFY.replace("      trust_store: partners\n",
                        "      trust_store: partners\n      forward: [alb, haproxy]\n"), 11,
                        "listeners[0].mutual_authentication.forward[1]", "unknown forward format 'haproxy' (expected: one of alb, xfcc, rfc9440)"),
                broken("forward format twice", VERIFY.replace("      trust_store: partners\n",
                        "      trust_store: partners\n      forward: [xfcc, xfcc]\n"), 11,
                        "listeners[0].mutual_authentication.forward[1]", "'xfcc' is listed twice"),
                broken("forward empty", VERIFY.replace("      trust_store: partners\n",
                        "      trust_store: partners\n      forward: []\n"), 11,
                        "listeners[0].mutual_authentication.forward", "empty list (expected: at least one of alb, xfcc, rfc9440)"),
                broken("forward in mode off", VERIFY.replace("      mode: verify\n      trust_store: partners\n",
                        "      mode: off\n      forward: [xfcc]\n"), 10,
                        "listeners[0].mutual_authentication.forward", "no client certificate is requested in mode off"),
                broken("http failure pages in passthrough", VERIFY.replace("      mode: verify\n      trust_store: partners\n",
                        "      mode: passthrough\n      failure_response: http\n"), 10,
                        "listeners[0].mutual_authentication.failure_response", "http failure pages need a verified certificate"),
                broken("optional without trust store", VERIFY.replace("      mode: verify\n      trust_store: partners\n",
                        "      mode: optional\n"), 8,
                        "listeners[0].mutual_authentication.trust_store", "missing (expected: the name of a trust store in verify and optional mode)"),
                broken("server name with a space", VERIFY.replace("    default_action:",
                        "    server_names:\n      - names: [\"partners example\"]\n    default_action:"), 12,
                        "listeners[0].server_names[0].names", "'partners example' is not a server name"),
                broken("server name in two entries", VERIFY.replace("    default_action:",
                        "    server_names:\n      - names: [a.test]\n      - names: [\"A.test\"]\n    default_action:"), 13,
                        "listeners[0].server_names[1].names", "'a.test' is already named at line 12"),
                broken("server names on an http listener", BASE.replace("""
                            tls:
                              certificates:
                                - certificate: certs/api.pem
                                  private_key: certs/api.key
                        """, "    protocol: http\n    server_names: [ { names: [a.test] } ]\n"), 5,
                        "listeners[0].server_names", "not allowed on an http listener"),
                broken("bad tls policy", BASE.replace("      certificates:", "      policy: tls11\n      certificates:"), 5,
                        "listeners[0].tls.policy", "unknown policy 'tls11' (expected: one of tls12-and-13, tls13-only, tls12-legacy)"),
                broken("unknown cipher suite", BASE.replace("      certificates:",
                        "      policy: tls12-legacy\n      ciphers: [ECDHE-ECDSA-AES128-SHA256, RC4-SHA]\n      certificates:"), 6,
                        "listeners[0].tls.ciphers[1]", "unknown cipher suite 'RC4-SHA' (expected: one of ECDHE-ECDSA-AES128-GCM-SHA256,"),
                broken("unknown cipher suite in a colon-separated list", BASE.replace("      certificates:",
                        "      ciphers: \"AES128-SHA256:TLS_RSA_WITH_AES_128_CBC_SHA256\"\n      certificates:"), 5,
                        "listeners[0].tls.ciphers", "unknown cipher suite 'TLS_RSA_WITH_AES_128_CBC_SHA256' (expected: one of"),
                broken("ciphers with tls13-only", BASE.replace("      certificates:",
                        "      policy: tls13-only\n      ciphers: [AES128-SHA256]\n      certificates:"), 6,
                        "listeners[0].tls.ciphers", "TLS 1.2 cipher suites with policy tls13-only"),
                broken("unknown session_resumption key", BASE.replace("      certificates:",
                                "      session_resumption: { enabled: true, tickets: k }\n      certificates:"), 5,
                        "listeners[0].tls.session_resumption.tickets",
                        "unknown key (expected: one of enabled, lifetime, ticket_keys)"),
                broken("session lifetime over a week", BASE.replace("      certificates:",
                                "      session_resumption: { lifetime: 169h }\n      certificates:"), 5,
                        "listeners[0].tls.session_resumption.lifetime", "'169h' is out of range (expected: 1s to 168h"),
                broken("ticket_keys file missing", BASE.replace("      certificates:",
                                "      session_resumption: { ticket_keys: certs/nope.key }\n      certificates:"), 5,
                        "listeners[0].tls.session_resumption.ticket_keys", "file not found: DIR/certs/nope.key"),
                broken("default_action missing", BASE.replace("    default_action: { forward: app }\n", ""), 2,
                        "listeners[0].default_action", "missing (expected: an action: forward, fixed_response, redirect or deny)"),
                broken("trust_store missing in verify mode", VERIFY.replace("      trust_store: partners\n", ""), 8,
                        "listeners[0].mutual_authentication.trust_store", "missing (expected: the name of a trust store in verify and optional mode)"),
                broken("unknown trust store", VERIFY.replace("trust_store: partners", "trust_store: partner"), 10,
                        "listeners[0].mutual_authentication.trust_store",
                        "unknown trust store 'partner' (expected: one of partners (defined under trust_stores))"),
                broken("bad mode", VERIFY.replace("mode: verify", "mode: strict"), 9,
                        "listeners[0].mutual_authentication.mode", "unknown mode 'strict' (expected: one of off, passthrough, optional, verify)"),
                broken("mode true is not off", VERIFY.replace("mode: verify", "mode: true"), 9,
                        "listeners[0].mutual_authentication.mode", "unknown mode 'true'"),
                broken("duplicate listener name", BASE.replace("target_groups:", """
                          - name: api
                            address: 127.0.0.1:8080
                            protocol: http
                            default_action: { deny: {} }
                        target_groups:"""), 9, "listeners[1].name",
                        "duplicate listener name 'api' (expected: unique; also used by listeners[0] at line 2)"),
                broken("duplicate listener address", BASE.replace("target_groups:", """
                          - name: other
                            address: 0.0.0.0:8443
                            protocol: http
                            default_action: { deny: {} }
                        target_groups:"""), 10, "listeners[1].address",
                        "address 0.0.0.0:8443 is already used by listeners[0] (127.0.0.1:8443, line 2) (expected: unique)"),
                broken("two unnamed listeners on ephemeral ports", """
                        listeners:
                          - { address: 127.0.0.1:0, protocol: http, default_action: { deny: {} } }
                          - { address: 127.0.0.1:0, protocol: http, default_action: { deny: {} } }
                        """, 3, "listeners[1].name", "missing, and the default name '127.0.0.1:0' is taken by"
                                + " listeners[0] at line 2 (expected: a name on each listener)"),
                broken("duplicate rule priority", withRules(BASE, """
                        rules:
                          - { priority: 10, then: { forward: app } }
                          - { priority: 10, when: { path: /x }, then: { deny: {} } }
                        """), 10, "listeners[0].rules[1].priority",
                        "duplicate priority 10 (expected: unique within the listener; also used by listeners[0].rules[0] at line 9)"),
                broken("health check success codes with a reversed range", BASE + """
                            health_check: { success_codes: "200-299, 302-301" }
                        """, 12, "target_groups.app.health_check.success_codes",
                        "bad status code or range '302-301' (expected: status codes 100-599 such as \"200\" or \"200-299,302\")"),
                broken("unknown target group", BASE.replace("forward: app", "forward: ap"), 8,
                        "listeners[0].default_action.forward",
                        "unknown target group 'ap' (expected: one of app (defined under target_groups))"),
                broken("unknown weighted target group", BASE.replace("forward: app",
                                "forward: [{target_group: app, weight: 1}, {target_group: b, weight: 2}]"), 8,
                        "listeners[0].default_action.forward[1].target_group", "unknown target group 'b'"),
                broken("weight out of range", BASE.replace("forward: app", "forward: [{target_group: app, weight: 1000}]"), 8,
                        "listeners[0].default_action.forward[0].weight", "1000 is out of range (expected: 0-999)"),
                broken("two actions", BASE.replace("{ forward: app }", "{ forward: app, deny: {} }"), 8,
                        "listeners[0].default_action.deny", "a second action after forward (expected: exactly one of"),
                broken("no action", BASE.replace("{ forward: app }", "{}"), 8, "listeners[0].default_action",
                        "no action (expected: one of forward, fixed_response, redirect, deny)"),
                broken("fixed_response status out of range", BASE.replace("{ forward: app }",
                        "{ fixed_response: { status: 700 } }"), 8, "listeners[0].default_action.fixed_response.status",
                        "700 is out of range (expected: 200-599)"),
                broken("redirect status", BASE.replace("{ forward: app }", "{ redirect: { status: 303, host: x } }"), 8,
                        "listeners[0].default_action.redirect.status", "303 is out of range (expected: 301-302)"),
                broken("redirect loop", BASE.replace("{ forward: app }", "{ redirect: { status: 301 } }"), 8,
                        "listeners[0].default_action.redirect", "loop (expected: at least one of protocol, host, port, path, query)"),
                broken("wrong type for status", BASE.replace("{ forward: app }", "{ deny: { status: [403] } }"), 8,
                        "listeners[0].default_action.deny.status", "wrong type: a list (expected: an integer 400-599)"),
                broken("tls on http listener", BASE.replace("    tls:", "    protocol: http\n    tls:"), 5,
                        "listeners[0].tls", "not allowed on an http listener (expected: protocol: https, or no tls)"),
                broken("mutual auth on http listener", """
                        listeners:
                          - address: 127.0.0.1:8080
                            protocol: http
                            mutual_authentication: { mode: passthrough }
                            default_action: { deny: {} }
                        """, 4, "listeners[0].mutual_authentication.mode",
                        "mode passthrough needs TLS (expected: off on an http listener, or protocol: https)"),
                broken("client_certificate rule on passthrough", VERIFY.replace("""
                              mode: verify
                              trust_store: partners
                        """, """
                              mode: passthrough
                            rules:
                              - priority: 1
                                when:
                                  client_certificate: { subject: ["CN=ops"] }
                                then: { deny: {} }
                        """), 13, "listeners[0].rules[0].when.client_certificate",
                        "not verified in passthrough mode, so anyone could match (expected: mode verify,"
                                + " or mutual_authentication.trust_unverified_identity: true)"),
                broken("client_certificate rule on off listener", withRules(BASE, """
                        rules:
                          - priority: 1
                            when: { client_certificate: { san_dns: [a.example.com] } }
                            then: { forward: app }
                        """), 10, "listeners[0].rules[0].when.client_certificate",
                        "no client certificate is requested on this listener"),
                broken("subject pattern with an unescaped +", VERIFY.replace("    default_action: { deny: {} }\n", """
                            rules:
                              - priority: 7
                                when: { client_certificate: { subject: ["CN=a+b"] } }
                                then: { forward: app }
                            default_action: { deny: {} }
                        """), 13, "listeners[0].rules[0].when.client_certificate.subject",
                        "'CN=a+b' is not a name pattern (expected: ATTRIBUTE=value pairs such as CN=ops-*,O=Acme;"
                                + " write a literal , or + in a value as \\, or \\+)"),
                // \\ is an escaped backslash, so the , after it separates a second attribute "x" with no value:
                // refused here, with the key, rather than when the listener's routes are built.
                broken("subject pattern with an escaped backslash before a comma", VERIFY.replace("    default_action: { deny: {} }\n", """
                            rules:
                              - priority: 7
                                when: { client_certificate: { subject: ['O=Acme\\\\,x'] } }
                                then: { forward: app }
                            default_action: { deny: {} }
                        """), 13, "listeners[0].rules[0].when.client_certificate.subject",
                        "'O=Acme\\\\,x' is not a name pattern (expected: ATTRIBUTE=value pairs"),
                broken("serial pattern without a digit", VERIFY.replace("    default_action: { deny: {} }\n", """
                            rules:
                              - priority: 7
                                when: { client_certificate: { serial: [":"] } }
                                then: { forward: app }
                            default_action: { deny: {} }
                        """), 13, "listeners[0].rules[0].when.client_certificate.serial",
                        "':' is not a serial number (expected: hex digits such as 03A5B1)"),
                broken("header_names key not an identity header", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_forwarded_for: X-Client }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_forwarded_for",
                        "unknown key (expected: one of x_amzn_mtls_clientcert, x_amzn_mtls_clientcert_serial_number,"),
                broken("header rename collides", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: X-Amzn-Mtls-Clientcert-Issuer }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'X-Amzn-Mtls-Clientcert-Issuer' would name both x_amzn_mtls_clientcert_issuer and x_amzn_mtls_clientcert_subject"),
                broken("header rename to Content-Length", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: Content-Length }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'Content-Length' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to connection", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_leaf: connection }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_leaf",
                        "'connection' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Transfer_Encoding", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_issuer: Transfer_Encoding }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_issuer",
                        "'Transfer_Encoding' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Host", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: Host }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'Host' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to X-Forwarded-For", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert: X-Forwarded-For }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert",
                        "'X-Forwarded-For' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to TE", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_validity: TE }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_validity",
                        "'TE' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Keep-Alive", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_serial_number: Keep-Alive }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_serial_number",
                        "'Keep-Alive' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Upgrade", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: Upgrade }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'Upgrade' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Proxy-Connection", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: Proxy-Connection }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'Proxy-Connection' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("header rename to Trailer", VERIFY.replace("      trust_store: partners\n", """
                              trust_store: partners
                              header_names: { x_amzn_mtls_clientcert_subject: Trailer }
                        """), 11, "listeners[0].mutual_authentication.header_names.x_amzn_mtls_clientcert_subject",
                        "'Trailer' is a name Gatehouse or HTTP itself uses (expected: not Connection,"),
                broken("empty targets", BASE.replace("[\"127.0.0.1:9001\"]", "[]"), 11, "target_groups.app.targets",
                        "empty list (expected: at least one host:port)"),
                broken("zero target idle timeout", BASE + "    timeouts: { idle: 0s }\n", 12, "target_groups.app.timeouts.idle",
                        "'0s' is zero (expected: a duration > 0)"),
                broken("target idle timeout of a century", BASE + "    timeouts: { idle: 876000h }\n", 12,
                        "target_groups.app.timeouts.idle", "'876000h' is longer than a year (expected: at most 8760h)"),
                broken("unknown target timeout", BASE + "    timeouts: { keepalive: 4s }\n", 12,
                        "target_groups.app.timeouts.keepalive", "unknown key (expected: one of connect, response, idle)"),
                broken("target port 0", BASE.replace("127.0.0.1:9001", "127.0.0.1:0"), 11, "target_groups.app.targets[0]",
                        "port out of range: 0 (expected: 1-65535)"),
                broken("bad load balancing", BASE + "    load_balancing: random\n", 12, "target_groups.app.load_balancing",
                        "unknown load balancing 'random' (expected: one of round_robin, least_outstanding_requests)"),
                broken("bad protocol version", BASE + "    protocol_version: http3\n", 12,
                        "target_groups.app.protocol_version",
                        "unknown protocol version 'http3' (expected: one of http1, http2, grpc)"),
                broken("grpc health check on an http1 group", BASE + "    health_check: { protocol: grpc }\n", 12,
                        "target_groups.app.health_check.protocol", "grpc health checks need HTTP/2"),
                broken("path on a tcp health check", BASE + "    health_check: { protocol: tcp, path: /health }\n", 12,
                        "target_groups.app.health_check.path",
                        "a tcp health check sends no request (expected: protocol: http with path, or no path)"),
                broken("success codes on a tcp health check", BASE + "    health_check: { protocol: tcp, success_codes: \"200\" }\n",
                        12, "target_groups.app.health_check.success_codes",
                        "a tcp health check sends no request (expected: protocol: http with success_codes, or no success_codes)"),
                broken("unknown health check protocol", BASE + "    health_check: { protocol: icmp }\n", 12,
                        "target_groups.app.health_check.protocol",
                        "unknown health check protocol 'icmp' (expected: one of http, grpc, tcp)"),
                broken("https target group without tls", BASE + "    protocol: https\n", 10, "target_groups.app.tls",
                        "missing (expected: tls with a trust_store for an https target group)"),
                broken("bad CIDR", withRules(BASE, """
                        rules:
                          - priority: 1
                            when: { source_ip: ["10.0.0.0/8", "10.0.0.300/8"] }
                            then: { forward: app }
                        """), 10, "listeners[0].rules[0].when.source_ip[1]",
                        "CIDR block: '10.0.0.300/8' (expected: an IP address literal with an optional /prefix"),
                broken("CIDR with host bits", withRules(BASE, """
                        rules:
                          - priority: 1
                            when: { source_ip: ["10.1.2.3/8"] }
                            then: { forward: app }
                        """), 10, "listeners[0].rules[0].when.source_ip[0]",
                        "CIDR block: '10.1.2.3/8': host bits are set (expected: 10.0.0.0/8)"),
                broken("IPv6 CIDR with host bits", withRules(BASE, """
                        rules:
                          - priority: 1
                            when:
                              source_ip:
                                - 2001:db8::1/32
                            then: { forward: app }
                        """), 12, "listeners[0].rules[0].when.source_ip[0]",
                        "CIDR block: '2001:db8::1/32': host bits are set (expected: 2001:db8::/32)"),
                broken("forward with no target groups defined", "listeners:\n  - address: 127.0.0.1:80\n    protocol: http\n"
                                + "    default_action: { forward: app }\n", 4, "listeners[0].default_action.forward",
                        "unknown target group 'app' (expected: a name defined under target_groups, which defines none)"),
                broken("proxy_protocol true", BASE.replace("    tls:", "    proxy_protocol: true\n    tls:"), 4,
                        "listeners[0].proxy_protocol", "true is not a setting (expected: a mapping such as { mode: required,"),
                broken("admin TLS without certificates", BASE + "admin:\n  address: 127.0.0.1:9901\n  tls: { certificates: [] }\n",
                        14, "admin.tls.certificates", "empty list (expected: at least one {certificate, private_key})"),
                broken("admin mutual authentication without TLS", BASE + "admin:\n  address: 127.0.0.1:9901\n"
                                + "  mutual_authentication: { mode: verify, trust_store: partners }\n", 14,
                        "admin.mutual_authentication", "mutual_authentication without tls (expected: admin.tls"),
                broken("admin mutual authentication with an unknown trust store", VERIFY + ADMIN_TLS
                                + "  mutual_authentication: { mode: verify, trust_store: admins }\n", 20,
                        "admin.mutual_authentication.trust_store", "unknown trust store 'admins'"),
                broken("admin mutual authentication in mode optional", VERIFY + ADMIN_TLS
                                + "  mutual_authentication: { mode: optional, trust_store: partners }\n", 20,
                        "admin.mutual_authentication", "mode verify with failure_response alert"),
                broken("admin without address", BASE + "admin: {}\n", 12, "admin.address", "missing"),
                broken("admin address without port", BASE + "admin:\n  address: 127.0.0.1\n", 13, "admin.address",
                        "expected"),
                broken("unknown log format", BASE + "logs: { format: yaml }\n", 12, "logs.format",
                        "unknown log format 'yaml' (expected: one of text, json)"),
                broken("bare number duration", BASE.replace("    tls:", "    timeouts: { idle: 30 }\n    tls:"), 4,
                        "listeners[0].timeouts.idle", "'30' has no unit (expected: a duration such as 250ms, 5s, 2m, 1h"),
                broken("zero request_body timeout", BASE.replace("    tls:", "    timeouts: { request_body: 0s }\n    tls:"),
                        4, "listeners[0].timeouts.request_body", "'0s' is zero (expected: a duration > 0)"),
                broken("request_body without unit", BASE.replace("    tls:", "    timeouts:\n      request_body: 60\n    tls:"),
                        5, "listeners[0].timeouts.request_body", "'60' has no unit"),
                broken("zero tunnel_idle timeout", BASE.replace("    tls:", "    timeouts: { tunnel_idle: 0s }\n    tls:"),
                        4, "listeners[0].timeouts.tunnel_idle", "'0s' is zero (expected: a duration > 0)"),
                broken("zero concurrent streams", BASE.replace("    tls:", "    http2:\n      max_concurrent_streams: 0\n    tls:"),
                        5, "listeners[0].http2.max_concurrent_streams", "0 is out of range (expected: 1-10000)"),
                broken("concurrent streams not a number", BASE.replace("    tls:",
                        "    http2: { max_concurrent_streams: lots }\n    tls:"), 4,
                        "listeners[0].http2.max_concurrent_streams", "'lots' is not an integer (expected: 1-10000)"),
                broken("unknown http2 key", BASE.replace("    tls:", "    http2: { max_streams: 10 }\n    tls:"), 4,
                        "listeners[0].http2.max_streams", "max_concurrent_streams"),
                broken("yes is not a boolean", BASE.replace("    tls:", "    proxy_protocol: yes\n    tls:"), 4,
                        "listeners[0].proxy_protocol", "'yes' is not a boolean (expected: true or false)"),
                broken("max_chain_depth out of range", VERIFY.replace("ca_certificates: certs/ca.pem",
                        "ca_certificates: certs/ca.pem\n    max_chain_depth: 11"), 15, "trust_stores.partners.max_chain_depth",
                        "11 is out of range (expected: 2-10)"),
                broken("trust store without CA file", VERIFY.replace("ca_certificates: certs/ca.pem", "revocation_lists: []"),
                        13, "trust_stores.partners.ca_certificates", "missing (expected: a PEM bundle of CA certificates)"),
                broken("CRL file missing", VERIFY.replace("ca_certificates: certs/ca.pem",
                        "ca_certificates: certs/ca.pem\n    revocation_lists: [certs/ca.pem, crl/partners.crl]"), 15,
                        "trust_stores.partners.revocation_lists[1]", "file not found: DIR/crl/partners.crl"),
                broken("name with spaces", "name: my gateway\n" + BASE, 1, "name",
                        "'my gateway' contains spaces (expected: one word"));
    }

    static String withRules(String base, String rules) {
        return base.replace("    default_action:", rules.indent(4) + "    default_action:");
    }

    static Arguments broken(String name, String yaml, int line, String key, String gist) {
        return Arguments.of(name, yaml, line, key, gist);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenConfigs")
    void brokenConfigIsRefusedWithFileLineAndKey(String name, String yaml, int line, String key, String gist) {
        Path file = dir.resolve("gatehouse.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigParser.parse(yaml, file));
        assertThat(e).as("%s should be refused", name).isNotNull();
        assertThat(e.getMessage())
                .startsWith(file + ":" + line + ": " + key + ": ")
                .contains(gist.replace("DIR", dir.toString()));
        assertThat(e.location()).isEqualTo(new ConfigLocation(file, line, key));
        assertThat(e.problems()).as("one mistake, one problem (no follow-on errors)").containsExactly(e);
    }

    @Test
    void independentProblemsAreAllReportedInFileOrder() {
        String yaml = VERIFY
                .replace("      trust_store: partners\n", "      trust_store: partners\n    rules:\n"
                        + "      - { priority: 0, then: { deny: {} } }\n"
                        + "      - { priority: 5, when: { path: [\"/a\"] }, then: { forward: nowhere } }\n"
                        + "      - { priority: 6, then: { deny: {} } }\n")
                .replace("ca_certificates: certs/ca.pem", "ca_certificates: certs/ca.pem\n    max_chain_depth: 0")
                .replace("app: { targets: [\"127.0.0.1:9001\"] }", "app: { targets: [\"127.0.0.1:9001\"], load_balancing: fastest }");
        Path file = dir.resolve("gatehouse.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigParser.parse(yaml, file));
        assertThat(e).isNotNull();
        assertThat(e.problems()).extracting(p -> p.location().line() + " " + p.location().key()).containsExactly(
                "12 listeners[0].rules[0].priority",
                "13 listeners[0].rules[1].then.forward",
                "19 trust_stores.partners.max_chain_depth",
                "21 target_groups.app.load_balancing");
        assertThat(e.location()).isEqualTo(e.problems().get(0).location());
        assertThat(e.getMessage().split("\n")).hasSize(4);
    }

    @Test
    void aListenerWhoseModeIsWrongIsNotJudgedOnItsClientCertificateRules() {
        String yaml = VERIFY.replace("mode: verify", "mode: strict")
                .replace("      trust_store: partners\n", "      trust_store: partners\n    rules:\n"
                        + "      - { priority: 1, when: { client_certificate: { subject: [\"CN=a\"] } }, then: { deny: {} } }\n");
        Path file = dir.resolve("gatehouse.yaml");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigParser.parse(yaml, file));
        assertThat(e.problems()).extracting(p -> p.location().key())
                .containsExactly("listeners[0].mutual_authentication.mode");
    }
}
