package dev.gatehouse.server.config;

import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import dev.gatehouse.server.config.MutualAuthConfig.FailureResponse;
import dev.gatehouse.server.config.MutualAuthConfig.ForwardFormat;
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
            TargetGroupParser.choices("tls12-and-13", TlsPolicy.TLS12_AND_13, "tls13-only", TlsPolicy.TLS13_ONLY,
                    "tls12-legacy", TlsPolicy.TLS12_LEGACY);
    private static final Map<String, MutualAuthMode> MODES = TargetGroupParser.choices(
            "off", MutualAuthMode.OFF, "passthrough", MutualAuthMode.PASSTHROUGH, "optional", MutualAuthMode.OPTIONAL,
            "verify", MutualAuthMode.VERIFY);
    private static final Map<String, ForwardFormat> FORWARD_FORMATS = TargetGroupParser.choices(
            "alb", ForwardFormat.ALB, "xfcc", ForwardFormat.XFCC, "rfc9440", ForwardFormat.RFC9440);
    private static final Map<String, FailureResponse> FAILURE_RESPONSES = TargetGroupParser.choices(
            "alert", FailureResponse.ALERT, "http", FailureResponse.HTTP);

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

        List<ServerNameConfig> serverNames = List.of();
        ConfigNode serverNamesNode = map.optional("server_names");
        if (serverNamesNode != null) {
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
        ConfigNode rulesNode = map.optional("rules");
        if (rulesNode != null && mutualAuth != null && serverNames != null) {
            // Whether client-certificate conditions are allowed depends on the mode: without a mode, not judged.
            rules = ruleParser.rules(rulesNode, identitySource(mutualAuth, serverNames), problems);
        }
        ActionConfig defaultAction = problems.attempt(() -> ruleParser.action(
                map.required("default_action", "an action: forward, fixed_response, redirect or deny")));

        ListenerTimeouts timeouts = ListenerTimeouts.DEFAULTS;
        ConfigNode timeoutsNode = map.optional("timeouts");
        if (timeoutsNode != null) {
            ConfigMapping t = timeoutsNode.mapping("a mapping with idle, request_head, request_body and/or tunnel_idle",
                    "idle", "request_head", "request_body", "tunnel_idle");
            ConfigNode idle = t.optional("idle");
            ConfigNode head = t.optional("request_head");
            ConfigNode body = t.optional("request_body");
            ConfigNode tunnel = t.optional("tunnel_idle");
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
                timeouts, http2, node.at(), addressNode.at(), serverNames);
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
                    : mutualAuthentication(mutualNode, protocol);
            entries.add(new ServerNameConfig(names, tls, mutual, item.at()));
        }
        return entries;
    }

    /**
     * The mutual authentication that decides whether the listener's rules may use client-certificate
     * conditions: the first of the listener's and its server names' that verifies, else the first that
     * trusts unverified identities, else the listener's own.
     */
    private static MutualAuthConfig identitySource(MutualAuthConfig listener, List<ServerNameConfig> serverNames) {
        List<MutualAuthConfig> all = new ArrayList<>();
        all.add(listener);
        serverNames.forEach(s -> all.add(s.mutualAuthentication()));
        for (MutualAuthConfig m : all) {
            if (m.verifies()) {
                return m;
            }
        }
        for (MutualAuthConfig m : all) {
            if (m.trustUnverifiedIdentity()) {
                return m;
            }
        }
        return listener;
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

    private MutualAuthConfig mutualAuthentication(ConfigNode node, ListenerProtocol protocol) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with mode", "mode", "trust_store", "ignore_client_certificate_expiry",
                "advertise_trust_store_ca_names", "header_names", "trust_unverified_identity", "forward",
                "failure_response");
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
        if (mode == MutualAuthMode.VERIFY || mode == MutualAuthMode.OPTIONAL) {
            trustStore = TargetGroupParser.trustStoreReference(
                    map.required("trust_store", "the name of a trust store in verify and optional mode"), trustStores);
        } else if (trustStoreNode != null) {
            throw trustStoreNode.fail("only used in verify and optional mode (expected: mode: verify or optional,"
                    + " or no trust_store)");
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

        List<ForwardFormat> forward = List.of(ForwardFormat.ALB);
        ConfigNode forwardNode = map.optional("forward");
        if (forwardNode != null) {
            if (mode == MutualAuthMode.OFF) {
                throw forwardNode.fail("no client certificate is requested in mode off (expected: mode passthrough,"
                        + " optional or verify, or no forward)");
            }
            List<ForwardFormat> formats = new ArrayList<>();
            List<ConfigNode> items = forwardNode.isList() ? forwardNode.list("a list of alb, xfcc, rfc9440")
                    : List.of(forwardNode);
            if (items.isEmpty()) {
                throw forwardNode.fail("empty list (expected: at least one of alb, xfcc, rfc9440)");
            }
            for (ConfigNode item : items) {
                ForwardFormat format = item.choice("forward format", FORWARD_FORMATS);
                if (formats.contains(format)) {
                    throw item.fail("'" + item.text("a format") + "' is listed twice (expected: each format once)");
                }
                formats.add(format);
            }
            forward = formats;
        }

        FailureResponse failureResponse = FailureResponse.ALERT;
        ConfigNode failureNode = map.optional("failure_response");
        if (failureNode != null) {
            failureResponse = failureNode.choice("failure_response", FAILURE_RESPONSES);
            if (failureResponse == FailureResponse.HTTP && mode != MutualAuthMode.VERIFY && mode != MutualAuthMode.OPTIONAL) {
                throw failureNode.fail("http failure pages need a verified certificate (expected: mode verify or"
                        + " optional, or failure_response: alert)");
            }
        }
        return new MutualAuthConfig(mode, trustStore, ignoreExpiry, advertise, headerNames, trustUnverified, forward,
                failureResponse, node.at());
    }

    private static boolean verifyOnlyFlag(ConfigMapping map, String key, MutualAuthMode mode) throws ConfigException {
        ConfigNode flag = map.optional(key);
        if (flag == null) {
            return false;
        }
        boolean value = flag.bool();
        if (value && mode != MutualAuthMode.VERIFY && mode != MutualAuthMode.OPTIONAL) {
            throw flag.fail("only used in verify and optional mode (expected: false, or mode: verify or optional)");
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
