package dev.gatehouse.server.config;

import dev.gatehouse.server.config.ListenerConfig.ListenerProtocol;
import dev.gatehouse.server.config.MutualAuthConfig.FailureResponse;
import dev.gatehouse.server.config.MutualAuthConfig.ForwardFormat;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code mutual_authentication} section (of a listener or of one of its {@code server_names}) into
 * a {@link MutualAuthConfig}.
 */
final class MutualAuthParser {
    private static final Map<String, MutualAuthMode> MODES = TargetGroupParser.choices(
            "off", MutualAuthMode.OFF, "passthrough", MutualAuthMode.PASSTHROUGH, "optional", MutualAuthMode.OPTIONAL,
            "verify", MutualAuthMode.VERIFY);
    private static final Map<String, ForwardFormat> FORWARD_FORMATS = TargetGroupParser.choices(
            "alb", ForwardFormat.ALB, "xfcc", ForwardFormat.XFCC, "rfc9440", ForwardFormat.RFC9440);
    private static final Map<String, FailureResponse> FAILURE_RESPONSES = TargetGroupParser.choices(
            "alert", FailureResponse.ALERT, "http", FailureResponse.HTTP);

    private MutualAuthParser() {}

    static MutualAuthConfig mutualAuthentication(ConfigNode node, ListenerProtocol protocol, Set<String> trustStores)
            throws ConfigException {
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

    /**
     * The mutual authentication that decides whether the listener's rules may use client-certificate
     * conditions: the first of the listener's and its server names' that verifies, else the first that
     * trusts unverified identities, else the listener's own.
     */
    static MutualAuthConfig identitySource(MutualAuthConfig listener, List<ServerNameConfig> serverNames) {
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
}
