package dev.gatehouse.server.config;

import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import dev.gatehouse.server.config.TlsConfig.CertificateKeyPair;
import dev.gatehouse.server.config.TlsConfig.TlsPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one entry of {@code listeners} into a {@link ListenerConfig}: its socket, TLS, server names and
 * timeouts; mutual authentication is read by {@link MutualAuthParser}, rules and actions by
 * {@link RuleParser}.
 */
final class ListenerParser {
    private static final Map<String, ListenerProtocol> PROTOCOLS =
            TargetGroupParser.choices("https", ListenerProtocol.HTTPS, "http", ListenerProtocol.HTTP,
                    "tls_passthrough", ListenerProtocol.TLS_PASSTHROUGH);
    private static final Map<String, ProxyProtocolConfig.Mode> PROXY_PROTOCOL_MODES = TargetGroupParser.choices(
            "off", ProxyProtocolConfig.Mode.OFF, "required", ProxyProtocolConfig.Mode.REQUIRED);
    /** Why a key of an HTTP listener has no place on a {@code tls_passthrough} one. */
    private static final String NOT_TERMINATED = "a tls_passthrough listener does not terminate TLS";
    private static final Map<String, TlsPolicy> POLICIES =
            TargetGroupParser.choices("tls12-and-13", TlsPolicy.TLS12_AND_13, "tls13-only", TlsPolicy.TLS13_ONLY,
                    "tls12-legacy", TlsPolicy.TLS12_LEGACY);

    private final Path baseDir;
    private final Set<String> trustStores;
    private final RuleParser ruleParser;
    /** Where the problems of independent parts of a listener go (its sections, each rule). */
    private final ConfigProblems problems;
    /** The listeners read so far, to refuse a second one with the same name or socket. */
    private final List<ListenerConfig> earlier = new ArrayList<>();

    ListenerParser(Path baseDir, Set<String> trustStores, Set<String> targetGroups, ConfigProblems problems) {
        this.baseDir = baseDir;
        this.trustStores = trustStores;
        this.ruleParser = new RuleParser(targetGroups);
        this.problems = problems;
    }

    /**
     * The next listener of the document; refuses a name or socket of a listener read before. Its
     * sections and rules are judged each on its own: their problems go to the reading's
     * {@link ConfigProblems}, and the listener is then {@code null}.
     */
    ListenerConfig parse(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a listener (a mapping with address and default_action)",
                "name", "address", "protocol", "proxy_protocol", "tls", "mutual_authentication", "rules",
                "default_action", "timeouts", "http2", "server_names");

        ConfigNode addressNode = map.required("address", "host:port, e.g. 0.0.0.0:8443");
        TargetAddress address = TargetGroupParser.address(addressNode, 0);
        String name = address.toString();
        ConfigNode nameNode = map.optional("name");
        if (nameNode != null) {
            name = nameNode.string("a listener name");
            if (!name.matches("[A-Za-z0-9._:\\[\\]-]+")) {
                throw nameNode.fail("'" + name + "' has characters other than letters, digits and . _ - : "
                        + "(expected: a name such as api or public-8443)");
            }
        }

        for (ListenerConfig other : earlier) {
            if (other.name().equals(name)) {
                if (nameNode == null) {
                    throw new ConfigException(map.at().child("name", map.at().line()), "missing, and the default"
                            + " name '" + name + "' is taken by " + other.at().key() + " at line " + other.at().line()
                            + " (expected: a name on each listener)");
                }
                throw nameNode.fail("duplicate listener name '" + name + "' (expected: unique; also used by "
                        + other.at().key() + " at line " + other.at().line() + ")");
            }
            if (sameSocket(other.address(), address)) {
                throw addressNode.fail("address " + address + " is already used by " + other.at().key()
                        + " (" + other.address() + ", line " + other.at().line() + ") (expected: unique)");
            }
        }

        ListenerProtocol protocol = ListenerProtocol.HTTPS;
        ConfigNode protocolNode = map.optional("protocol");
        if (protocolNode != null) {
            protocol = protocolNode.choice("protocol", PROTOCOLS);
        }

        int before = problems.count();
        ProxyProtocolConfig proxyProtocol = problems.attempt(() -> {
            ConfigNode proxyNode = map.optional("proxy_protocol");
            return proxyNode == null ? ProxyProtocolConfig.off(node.at()) : proxyProtocol(proxyNode);
        });
        boolean passthrough = protocol == ListenerProtocol.TLS_PASSTHROUGH;
        if (passthrough) {
            for (String key : List.of("tls", "mutual_authentication", "server_names", "http2")) {
                if (map.has(key)) {
                    problems.attempt(() -> {
                        throw map.raw(key).fail("not allowed: " + NOT_TERMINATED + " (expected: no " + key
                                + "; the targets hold the certificates, or protocol: https)");
                    });
                }
            }
        }

        TlsConfig tls = null;
        if (protocol == ListenerProtocol.HTTPS) {
            tls = problems.attempt(() -> tls(map.required("tls", "tls with certificates on an https listener")));
        } else if (map.has("tls") && !passthrough) {
            problems.attempt(() -> {
                throw map.raw("tls").fail("not allowed on an http listener (expected: protocol: https, or no tls)");
            });
        }

        ListenerProtocol listenerProtocol = protocol;
        MutualAuthConfig mutualAuth = problems.attempt(() -> {
            ConfigNode mutualNode = map.optional("mutual_authentication");
            return mutualNode == null || passthrough ? MutualAuthConfig.off(node.at())
                    : MutualAuthParser.mutualAuthentication(mutualNode, listenerProtocol, trustStores);
        });

        List<ServerNameConfig> serverNames = List.of();
        ConfigNode serverNamesNode = map.optional("server_names");
        if (serverNamesNode != null && !passthrough) {
            if (protocol != ListenerProtocol.HTTPS) {
                problems.attempt(() -> {
                    throw serverNamesNode.fail("not allowed on an http listener (expected: protocol: https, or no server_names)");
                });
            } else if (tls != null) {
                TlsConfig listenerTls = tls;
                serverNames = problems.attempt(() -> serverNames(serverNamesNode, listenerTls, listenerProtocol));
            }
        }

        List<RuleConfig> rules = List.of();
        List<SniRuleConfig> sniRules = List.of();
        ConfigNode rulesNode = map.optional("rules");
        ActionConfig defaultAction;
        if (passthrough) {
            if (rulesNode != null) {
                sniRules = PassthroughRules.rules(ruleParser, rulesNode, problems);
            }
            defaultAction = problems.attempt(() -> {
                ConfigNode actionNode = map.optional("default_action");
                return actionNode == null ? null : PassthroughRules.forward(ruleParser, actionNode);
            });
        } else {
            if (rulesNode != null && mutualAuth != null && serverNames != null) {
                // Whether client-certificate conditions are allowed depends on the mode: without a mode, not judged.
                rules = ruleParser.rules(rulesNode, MutualAuthParser.identitySource(mutualAuth, serverNames), problems);
            }
            defaultAction = problems.attempt(() -> ruleParser.action(
                    map.required("default_action", "an action: forward, fixed_response, redirect or deny")));
        }

        ListenerTimeouts timeouts = ListenerTimeouts.DEFAULTS;
        ConfigNode timeoutsNode = map.optional("timeouts");
        if (timeoutsNode != null) {
            ConfigMapping t = timeoutsNode.mapping("a mapping with idle, request_head, request_body and/or tunnel_idle",
                    "idle", "request_head", "request_body", "tunnel_idle");
            ConfigNode idle = t.optional("idle");
            ConfigNode head = t.optional("request_head");
            ConfigNode body = t.optional("request_body");
            ConfigNode tunnel = t.optional("tunnel_idle");
            ConfigNode httpOnly = body != null ? body : tunnel;
            if (passthrough && httpOnly != null) {
                throw httpOnly.fail("not allowed: " + NOT_TERMINATED + ", so it sees no requests (expected: idle and"
                        + " request_head, which bounds the wait for the ClientHello)");
            }
            timeouts = new ListenerTimeouts(
                    idle == null ? ListenerTimeouts.DEFAULTS.idle() : idle.duration(false),
                    head == null ? ListenerTimeouts.DEFAULTS.requestHead() : head.duration(false),
                    body == null ? ListenerTimeouts.DEFAULTS.requestBody() : body.duration(false),
                    tunnel == null ? ListenerTimeouts.DEFAULTS.tunnelIdle() : tunnel.duration(false));
        }
        ListenerHttp2 http2 = ListenerHttp2.DEFAULTS;
        ConfigNode http2Node = map.optional("http2");
        if (http2Node != null) {
            ConfigMapping h = http2Node.mapping("a mapping with max_concurrent_streams", "max_concurrent_streams");
            ConfigNode streams = h.optional("max_concurrent_streams");
            if (streams != null) {
                http2 = new ListenerHttp2(streams.intValue(1, ListenerHttp2.MAX_STREAMS_LIMIT));
            }
        }
        if (problems.count() > before) {
            return null;
        }
        ListenerConfig listener = new ListenerConfig(name, address, protocol, tls, mutualAuth, rules, defaultAction,
                timeouts, http2, node.at(), addressNode.at(), serverNames, proxyProtocol, sniRules);
        earlier.add(listener);
        return listener;
    }

    /**
     * True when two listener addresses would need the same socket: the same port on the same host, or
     * on any host when one of them is a wildcard. Port 0 (an ephemeral port) never collides.
     */
    static boolean sameSocket(TargetAddress a, TargetAddress b) {
        if (a.port() != b.port() || a.port() == 0) {
            return false;
        }
        return a.host().equalsIgnoreCase(b.host()) || isWildcard(a.host()) || isWildcard(b.host());
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }

    /** {@code proxy_protocol: { mode, trusted_sources }}. */
    private static ProxyProtocolConfig proxyProtocol(ConfigNode node) throws ConfigException {
        if (node.isScalar()) {
            // false: off, as before PROXY protocol existed.
            if (node.bool()) {
                throw node.fail("true is not a setting (expected: a mapping such as { mode: required,"
                        + " trusted_sources: [\"10.0.0.0/8\"] }, or false)");
            }
            return ProxyProtocolConfig.off(node.at());
        }
        ConfigMapping map = node.mapping("a mapping with mode and trusted_sources", "mode", "trusted_sources");
        ConfigNode modeNode = map.optional("mode");
        // The raw text: YAML 1.1 would read a bare off as the boolean false.
        ProxyProtocolConfig.Mode mode = modeNode == null ? ProxyProtocolConfig.Mode.OFF
                : modeNode.choice("mode", PROXY_PROTOCOL_MODES);
        ConfigNode sourcesNode = map.optional("trusted_sources");
        if (mode == ProxyProtocolConfig.Mode.OFF) {
            if (sourcesNode != null) {
                throw sourcesNode.fail("only used with mode: required (expected: mode: required, or no trusted_sources)");
            }
            return ProxyProtocolConfig.off(node.at());
        }
        ConfigNode required = map.required("trusted_sources", "the CIDR blocks of the balancers allowed to send"
                + " the header, e.g. [\"10.0.0.0/8\"] (0.0.0.0/0 and ::/0 trust any peer)");
        List<ConfigNode> items = required.isList() ? required.list("a list of CIDR blocks") : List.of(required);
        if (items.isEmpty()) {
            throw required.fail("empty list (expected: at least one CIDR block such as 10.0.0.0/8)");
        }
        List<String> sources = new ArrayList<>();
        for (ConfigNode item : items) {
            String text = item.string("CIDR block").strip();
            RuleParser.checkCidr(item, text);
            sources.add(text);
        }
        return new ProxyProtocolConfig(mode, sources, node.at());
    }

    TlsConfig tls(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with certificates", "certificates", "policy", "ciphers",
                "session_resumption");
        List<CertificateKeyPair> pairs = certificates(map.required("certificates", "a list of {certificate, private_key}"));
        TlsPolicy policy = TlsPolicy.TLS12_AND_13;
        ConfigNode policyNode = map.optional("policy");
        if (policyNode != null) {
            policy = policyNode.choice("policy", POLICIES);
        }
        ConfigNode resumptionNode = map.optional("session_resumption");
        SessionResumptionConfig resumption = resumptionNode == null ? null
                : SessionResumptionConfig.parse(resumptionNode, baseDir);
        ConfigNode ciphersNode = map.optional("ciphers");
        if (ciphersNode == null) {
            return new TlsConfig(pairs, policy, policy.tls12Suites(), resumption);
        }
        if (policy == TlsPolicy.TLS13_ONLY) {
            throw ciphersNode.fail("TLS 1.2 cipher suites with policy tls13-only (expected: no ciphers, or a policy"
                    + " with TLS 1.2)");
        }
        return new TlsConfig(pairs, policy, ciphers(ciphersNode), resumption);
    }

    private List<CertificateKeyPair> certificates(ConfigNode certificatesNode) throws ConfigException {
        List<ConfigNode> items = certificatesNode.list("a list of {certificate, private_key}");
        if (items.isEmpty()) {
            throw certificatesNode.fail("empty list (expected: at least one {certificate, private_key})");
        }
        List<CertificateKeyPair> pairs = new ArrayList<>();
        for (ConfigNode item : items) {
            ConfigMapping pair = item.mapping("a mapping with certificate and private_key", "certificate", "private_key");
            ConfigNode certificate = pair.required("certificate", "a PEM certificate chain file, leaf first");
            ConfigNode privateKey = pair.required("private_key", "a PEM private key file");
            pairs.add(new CertificateKeyPair(certificate.readableFile(baseDir), certificate.at(),
                    privateKey.readableFile(baseDir), privateKey.at()));
        }
        return pairs;
    }

    /** A server name: an exact DNS name, or {@code *.} and one, lower-case. */
    private static final java.util.regex.Pattern SERVER_NAME = java.util.regex.Pattern.compile(
            "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    /**
     * {@code server_names}: each entry's names (no name in two entries), its certificates (the listener's TLS
     * policy applies) and its mutual authentication.
     */
    private List<ServerNameConfig> serverNames(ConfigNode node, TlsConfig listenerTls, ListenerProtocol protocol)
            throws ConfigException {
        List<ConfigNode> items = node.list("a list of {names, certificates, mutual_authentication}");
        Map<String, ConfigLocation> seen = new HashMap<>();
        List<ServerNameConfig> entries = new ArrayList<>();
        for (ConfigNode item : items) {
            ConfigMapping map = item.mapping("a mapping with names and mutual_authentication",
                    "names", "certificates", "mutual_authentication");
            ConfigNode namesNode = map.required("names", "a list of server names such as partners.example.com"
                    + " or *.partners.example.com");
            List<String> names = new ArrayList<>();
            for (String raw : namesNode.strings("a server name")) {
                String name = raw.strip().toLowerCase(Locale.ROOT);
                if (!SERVER_NAME.matcher(name).matches() || name.length() > 253) {
                    throw namesNode.fail("'" + raw + "' is not a server name (expected: a DNS name such as"
                            + " partners.example.com, or *. and one, such as *.partners.example.com)");
                }
                ConfigLocation earlier = seen.putIfAbsent(name, namesNode.at());
                if (earlier != null) {
                    throw namesNode.fail("'" + name + "' is already named at line " + earlier.line()
                            + " (expected: each server name in one entry)");
                }
                names.add(name);
            }
            ConfigNode certificatesNode = map.optional("certificates");
            TlsConfig tls = certificatesNode == null ? null
                    : new TlsConfig(certificates(certificatesNode), listenerTls.policy(), listenerTls.tls12Suites(),
                            listenerTls.sessionResumption());
            ConfigNode mutualNode = map.optional("mutual_authentication");
            MutualAuthConfig mutual = mutualNode == null ? MutualAuthConfig.off(item.at())
                    : MutualAuthParser.mutualAuthentication(mutualNode, protocol, trustStores);
            entries.add(new ServerNameConfig(names, tls, mutual, item.at()));
        }
        return entries;
    }

    /** {@code tls.ciphers}: TLS 1.2 suites by OpenSSL name, a list or one string separated by colons. */
    private static List<String> ciphers(ConfigNode node) throws ConfigException {
        String expected = "TLS 1.2 cipher suites by OpenSSL name, such as [ECDHE-ECDSA-AES128-GCM-SHA256, AES128-SHA256]";
        List<ConfigNode> items = node.isList() ? node.list(expected) : List.of(node);
        List<String> suites = new ArrayList<>();
        for (ConfigNode item : items) {
            for (String name : item.string(expected).split(":")) {
                String iana = TlsCipherSuites.iana(name.trim());
                if (iana == null) {
                    throw item.fail("unknown cipher suite '" + name.trim() + "' (expected: one of "
                            + String.join(", ", TlsCipherSuites.openSslNames()) + ")");
                }
                if (!suites.contains(iana)) {
                    suites.add(iana);
                }
            }
        }
        if (suites.isEmpty()) {
            throw node.fail("empty (expected: " + expected + ")");
        }
        return suites;
    }
}
