package dev.gatehouse.server.config;

import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.config.TlsConfig.CertificateKeyPair;
import dev.gatehouse.server.config.TlsConfig.TlsPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one entry of {@code listeners} into a {@link ListenerConfig}: its socket, TLS, mutual
 * authentication and timeouts; rules and actions are read by {@link RuleParser}.
 */
final class ListenerParser {
    private static final Map<String, ListenerProtocol> PROTOCOLS =
            TargetGroupParser.choices("https", ListenerProtocol.HTTPS, "http", ListenerProtocol.HTTP);
    private static final Map<String, TlsPolicy> POLICIES =
            TargetGroupParser.choices("tls12-and-13", TlsPolicy.TLS12_AND_13, "tls13-only", TlsPolicy.TLS13_ONLY);
    private static final Map<String, MutualAuthMode> MODES = TargetGroupParser.choices(
            "off", MutualAuthMode.OFF, "passthrough", MutualAuthMode.PASSTHROUGH, "verify", MutualAuthMode.VERIFY);

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
                "default_action", "timeouts", "http2");

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

        ConfigNode proxyProtocol = map.optional("proxy_protocol");
        if (proxyProtocol != null && proxyProtocol.bool()) {
            throw proxyProtocol.fail("PROXY protocol is not supported yet (expected: false, or no proxy_protocol;"
                    + " it is on the roadmap)");
        }

        int before = problems.count();
        TlsConfig tls = null;
        if (protocol == ListenerProtocol.HTTPS) {
            tls = problems.attempt(() -> tls(map.required("tls", "tls with certificates on an https listener")));
        } else if (map.has("tls")) {
            problems.attempt(() -> {
                throw map.raw("tls").fail("not allowed on an http listener (expected: protocol: https, or no tls)");
            });
        }

        ListenerProtocol listenerProtocol = protocol;
        MutualAuthConfig mutualAuth = problems.attempt(() -> {
            ConfigNode mutualNode = map.optional("mutual_authentication");
            return mutualNode == null ? MutualAuthConfig.off(node.at()) : mutualAuthentication(mutualNode, listenerProtocol);
        });

        List<RuleConfig> rules = List.of();
        ConfigNode rulesNode = map.optional("rules");
        if (rulesNode != null && mutualAuth != null) {
            // Whether client-certificate conditions are allowed depends on the mode: without a mode, not judged.
            rules = ruleParser.rules(rulesNode, mutualAuth, problems);
        }
        ActionConfig defaultAction = problems.attempt(() -> ruleParser.action(
                map.required("default_action", "an action: forward, fixed_response, redirect or deny")));

        ListenerTimeouts timeouts = ListenerTimeouts.DEFAULTS;
        ConfigNode timeoutsNode = map.optional("timeouts");
        if (timeoutsNode != null) {
            ConfigMapping t = timeoutsNode.mapping("a mapping with idle, request_head and/or request_body",
                    "idle", "request_head", "request_body");
            ConfigNode idle = t.optional("idle");
            ConfigNode head = t.optional("request_head");
            ConfigNode body = t.optional("request_body");
            timeouts = new ListenerTimeouts(
                    idle == null ? ListenerTimeouts.DEFAULTS.idle() : idle.duration(false),
                    head == null ? ListenerTimeouts.DEFAULTS.requestHead() : head.duration(false),
                    body == null ? ListenerTimeouts.DEFAULTS.requestBody() : body.duration(false));
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
                timeouts, http2, node.at(), addressNode.at());
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

    private TlsConfig tls(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with certificates", "certificates", "policy", "session_resumption");
        ConfigNode certificatesNode = map.required("certificates", "a list of {certificate, private_key}");
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
        TlsPolicy policy = TlsPolicy.TLS12_AND_13;
        ConfigNode policyNode = map.optional("policy");
        if (policyNode != null) {
            policy = policyNode.choice("policy", POLICIES);
        }
        ConfigNode resumption = map.optional("session_resumption");
        return new TlsConfig(pairs, policy, resumption == null ? null : sessionResumption(resumption));
    }

    private SessionResumptionConfig sessionResumption(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with enabled, lifetime, ticket_keys", "enabled", "lifetime",
                "ticket_keys");
        ConfigNode enabled = map.optional("enabled");
        ConfigNode lifetime = map.optional("lifetime");
        ConfigNode keys = map.optional("ticket_keys");
        java.time.Duration life = lifetime == null ? SessionResumptionConfig.DEFAULT_LIFETIME : lifetime.duration(false);
        if (life.compareTo(java.time.Duration.ofDays(7)) > 0 || life.toSeconds() < 1) {
            throw lifetime.fail("'" + lifetime.text("a duration") + "' is out of range (expected: 1s to 168h; TLS 1.3"
                    + " tickets live at most 7 days)");
        }
        return new SessionResumptionConfig(enabled == null ? null : enabled.bool(), life,
                keys == null ? null : keys.readableFile(baseDir), keys == null ? null : keys.at());
    }

    private MutualAuthConfig mutualAuthentication(ConfigNode node, ListenerProtocol protocol) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with mode", "mode", "trust_store", "ignore_client_certificate_expiry",
                "advertise_trust_store_ca_names", "header_names", "trust_unverified_identity");
        MutualAuthMode mode = MutualAuthMode.OFF;
        ConfigNode modeNode = map.optional("mode");
        if (modeNode != null) {
            // The raw text: YAML 1.1 would read a bare off as the boolean false.
            mode = modeNode.choice("mode", MODES);
            if (protocol == ListenerProtocol.HTTP && mode != MutualAuthMode.OFF) {
                throw modeNode.fail("mode " + modeNode.text("a mode") + " needs TLS"
                        + " (expected: off on an http listener, or protocol: https)");
            }
        }

        String trustStore = null;
        ConfigNode trustStoreNode = map.optional("trust_store");
        if (mode == MutualAuthMode.VERIFY) {
            trustStore = TargetGroupParser.trustStoreReference(
                    map.required("trust_store", "the name of a trust store in verify mode"), trustStores);
        } else if (trustStoreNode != null) {
            throw trustStoreNode.fail("only used in verify mode (expected: mode: verify, or no trust_store)");
        }

        boolean ignoreExpiry = verifyOnlyFlag(map, "ignore_client_certificate_expiry", mode);
        boolean advertise = verifyOnlyFlag(map, "advertise_trust_store_ca_names", mode);

        boolean trustUnverified = false;
        ConfigNode trustUnverifiedNode = map.optional("trust_unverified_identity");
        if (trustUnverifiedNode != null) {
            trustUnverified = trustUnverifiedNode.bool();
            if (trustUnverified && mode != MutualAuthMode.PASSTHROUGH) {
                throw trustUnverifiedNode.fail("only used in passthrough mode (expected: false, or mode: passthrough)");
            }
        }

        Map<IdentityHeader, String> headerNames = new EnumMap<>(IdentityHeader.class);
        ConfigNode headersNode = map.optional("header_names");
        if (headersNode != null) {
            headerNames = headerNames(headersNode);
        }
        return new MutualAuthConfig(mode, trustStore, ignoreExpiry, advertise, headerNames, trustUnverified, node.at());
    }

    private static boolean verifyOnlyFlag(ConfigMapping map, String key, MutualAuthMode mode) throws ConfigException {
        ConfigNode flag = map.optional(key);
        if (flag == null) {
            return false;
        }
        boolean value = flag.bool();
        if (value && mode != MutualAuthMode.VERIFY) {
            throw flag.fail("only used in verify mode (expected: false, or mode: verify)");
        }
        return value;
    }

    /**
     * Names an identity header may not be renamed to: hop-by-hop and framing headers (removed or rewritten
     * on the way to the target, so the identity would be lost or the request mis-framed) and Host.
     */
    private static final Set<String> RESERVED_HEADER_NAMES = Set.of("connection", "keep-alive", "proxy-connection",
            "te", "trailer", "transfer-encoding", "upgrade", "content-length", "host");

    private static Map<IdentityHeader, String> headerNames(ConfigNode node) throws ConfigException {
        List<String> keys = new ArrayList<>();
        for (IdentityHeader header : IdentityHeader.values()) {
            keys.add(header.configKey());
        }
        ConfigMapping map = node.mapping("a mapping of identity headers to new names", keys.toArray(String[]::new));
        Map<IdentityHeader, String> renames = new EnumMap<>(IdentityHeader.class);
        for (IdentityHeader header : IdentityHeader.values()) {
            ConfigNode value = map.optional(header.configKey());
            if (value == null) {
                continue;
            }
            String name = value.string("an HTTP header name");
            if (!name.matches(RuleParser.TOKEN)) {
                throw value.fail("'" + name + "' is not a valid header name (expected: letters, digits and - such as X-Client-Subject)");
            }
            String folded = name.toLowerCase(Locale.ROOT).replace('_', '-');
            if (RESERVED_HEADER_NAMES.contains(folded) || folded.startsWith("x-forwarded-")) {
                throw value.fail("'" + name + "' is a name Gatehouse or HTTP itself uses (expected: not Connection,"
                        + " Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, Content-Length, Host"
                        + " or X-Forwarded-*; a name of your own such as X-Client-Subject)");
            }
            renames.put(header, name);
        }
        // Each effective name must be distinct, or one header would overwrite another.
        Map<String, IdentityHeader> byName = new HashMap<>();
        for (IdentityHeader header : IdentityHeader.values()) {
            String effective = renames.getOrDefault(header, header.defaultName());
            IdentityHeader other = byName.putIfAbsent(effective.toLowerCase(Locale.ROOT), header);
            if (other != null) {
                IdentityHeader renamed = renames.containsKey(header) ? header : other;
                throw map.optional(renamed.configKey()).fail("'" + effective + "' would name both "
                        + other.configKey() + " and " + header.configKey() + " (expected: a distinct name for each header)");
            }
        }
        return renames;
    }
}
