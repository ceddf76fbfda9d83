package dev.gatehouse.server.config;

import dev.gatehouse.clientcert.servlet.CidrBlock;
import dev.gatehouse.pki.DistinguishedNames;
import dev.gatehouse.server.config.ActionConfig.WeightedTargetGroup;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.config.RuleConfig.ClientCertificateConditions;
import dev.gatehouse.server.config.RuleConfig.Conditions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a listener's {@code rules} and the actions of rules and {@code default_action}. */
final class RuleParser {
    /** An HTTP token (RFC 9110): header names and methods. */
    static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    static final int MAX_PRIORITY = 50_000;
    static final int MAX_WEIGHT = 999;

    private static final String ACTIONS = "one of forward, fixed_response, redirect, deny";
    private static final Pattern PLACEHOLDER = Pattern.compile("#\\{([^}]*)}");
    private static final Set<String> PLACEHOLDERS = Set.of("protocol", "host", "port", "path", "query");

    private final Set<String> targetGroups;

    RuleParser(Set<String> targetGroups) {
        this.targetGroups = targetGroups;
    }

    /**
     * The rules, in file order, each checked completely: the routing layer builds from them without checking
     * again. {@code mutualAuth} decides whether client-certificate conditions may be used. Each rule is judged
     * on its own: a faulty one goes to {@code problems} and is left out.
     */
    List<RuleConfig> rules(ConfigNode node, MutualAuthConfig mutualAuth, ConfigProblems problems) {
        List<RuleConfig> rules = new ArrayList<>();
        Map<Integer, RuleConfig> byPriority = new HashMap<>();
        List<ConfigNode> items = problems.attempt(() -> node.list("a list of rules"));
        for (ConfigNode item : items == null ? List.<ConfigNode>of() : items) {
            RuleConfig rule = problems.attempt(() -> rule(item, mutualAuth, byPriority));
            if (rule != null) {
                byPriority.put(rule.priority(), rule);
                rules.add(rule);
            }
        }
        return rules;
    }

    private RuleConfig rule(ConfigNode item, MutualAuthConfig mutualAuth, Map<Integer, RuleConfig> byPriority)
            throws ConfigException {
        ConfigMapping map = item.mapping("a rule (a mapping with priority, when, then)", "priority", "when", "then");
        ConfigNode priorityNode = map.required("priority", "an integer 1-" + MAX_PRIORITY + ", lowest wins");
        int priority = priorityNode.intValue(1, MAX_PRIORITY);
        RuleConfig same = byPriority.get(priority);
        if (same != null) {
            throw priorityNode.fail("duplicate priority " + priority + " (expected: unique within the listener;"
                    + " also used by " + same.at().key() + " at line " + same.at().line() + ")");
        }
        ConfigNode whenNode = map.optional("when");
        Conditions when = whenNode == null ? Conditions.ALWAYS : conditions(whenNode, mutualAuth);
        ActionConfig then = action(map.required("then", "an action: " + ACTIONS));
        return new RuleConfig(priority, when, then, item.at());
    }

    private Conditions conditions(ConfigNode node, MutualAuthConfig mutualAuth) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping of conditions",
                "host", "path", "method", "header", "query", "source_ip", "client_certificate");
        List<String> host = List.of();
        ConfigNode hostNode = map.optional("host");
        if (hostNode != null) {
            host = hostNode.strings("host name pattern");
            for (String h : host) {
                if (!h.matches("[A-Za-z0-9*?._:\\[\\]-]+")) {
                    throw hostNode.fail("'" + h + "' is not a host name pattern (expected: a name such as api.example.com or *.example.com)");
                }
            }
        }
        List<String> path = List.of();
        ConfigNode pathNode = map.optional("path");
        if (pathNode != null) {
            path = pathNode.strings("path pattern");
            for (String p : path) {
                if (!p.startsWith("/") && !p.startsWith("*")) {
                    throw pathNode.fail("'" + p + "' does not start with / (expected: a path pattern such as /api/*)");
                }
            }
        }
        List<String> method = List.of();
        ConfigNode methodNode = map.optional("method");
        if (methodNode != null) {
            method = methodNode.strings("HTTP method");
            for (String m : method) {
                if (!m.matches(TOKEN)) {
                    throw methodNode.fail("'" + m + "' is not an HTTP method (expected: a method such as GET or POST)");
                }
            }
        }
        Map<String, List<String>> header = Map.of();
        ConfigNode headerNode = map.optional("header");
        if (headerNode != null) {
            header = nameToValues(headerNode, true);
        }
        Map<String, List<String>> query = Map.of();
        ConfigNode queryNode = map.optional("query");
        if (queryNode != null) {
            query = nameToValues(queryNode, false);
        }
        List<String> sourceIp = List.of();
        ConfigNode sourceNode = map.optional("source_ip");
        if (sourceNode != null) {
            sourceIp = sourceNode.strings("CIDR block");
            List<ConfigNode> items = sourceNode.isList() ? sourceNode.list("a list of CIDR blocks") : List.of(sourceNode);
            for (ConfigNode item : items) {
                checkCidr(item, item.string("CIDR block").strip());
            }
        }
        ClientCertificateConditions clientCertificate = null;
        ConfigNode certNode = map.optional("client_certificate");
        if (certNode != null) {
            if (mutualAuth.mode() == MutualAuthMode.OFF) {
                throw certNode.fail("no client certificate is requested on this listener (expected: mutual_authentication"
                        + " mode verify, or no client_certificate condition)");
            }
            if (mutualAuth.mode() == MutualAuthMode.PASSTHROUGH && !mutualAuth.trustUnverifiedIdentity()) {
                throw certNode.fail("client certificates are not verified in passthrough mode, so anyone could match"
                        + " (expected: mode verify, or mutual_authentication.trust_unverified_identity: true)");
            }
            clientCertificate = clientCertificate(certNode);
        }
        return new Conditions(host, path, method, header, query, sourceIp, clientCertificate);
    }

    private static Map<String, List<String>> nameToValues(ConfigNode node, boolean headerNames) throws ConfigException {
        ConfigMapping map = node.freeMapping(headerNames ? "a mapping of header names to values" : "a mapping of query parameters to values");
        if (map.isEmpty()) {
            throw node.fail("empty mapping (expected: at least one " + (headerNames ? "header" : "query parameter") + ")");
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : map.entries().entrySet()) {
            if (headerNames && !e.getKey().matches(TOKEN)) {
                throw e.getValue().fail("'" + e.getKey() + "' is not a valid header name (expected: letters, digits and -)");
            }
            result.put(e.getKey(), e.getValue().strings("value pattern"));
        }
        return result;
    }

    private static ClientCertificateConditions clientCertificate(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping of certificate fields to patterns",
                "subject", "issuer", "san_dns", "san_uri", "san_email", "serial", "fingerprint_sha256");
        if (map.isEmpty()) {
            throw node.fail("empty mapping (expected: at least one of subject, issuer, san_dns, san_uri, san_email,"
                    + " serial, fingerprint_sha256)");
        }
        List<String> subject = distinguishedNames(map.optional("subject"));
        List<String> issuer = distinguishedNames(map.optional("issuer"));
        List<String> sanDns = optionalStrings(map.optional("san_dns"), "DNS name pattern");
        List<String> sanUri = optionalStrings(map.optional("san_uri"), "URI pattern");
        List<String> sanEmail = optionalStrings(map.optional("san_email"), "e-mail pattern");
        List<String> serial = optionalStrings(map.optional("serial"), "serial number");
        for (String s : serial) {
            if (!s.strip().matches("[0-9A-Fa-f:*]*[0-9A-Fa-f*][0-9A-Fa-f:*]*")) {
                throw map.optional("serial").fail("'" + s + "' is not a serial number (expected: hex digits such as 03A5B1)");
            }
        }
        List<String> fingerprints = optionalStrings(map.optional("fingerprint_sha256"), "SHA-256 fingerprint");
        for (String f : fingerprints) {
            if (!f.replace(":", "").matches("[0-9A-Fa-f]{64}")) {
                throw map.optional("fingerprint_sha256").fail("'" + f + "' is not a SHA-256 fingerprint"
                        + " (expected: 64 hex digits, colons allowed)");
            }
        }
        return new ClientCertificateConditions(subject, issuer, sanDns, sanUri, sanEmail, serial, fingerprints);
    }

    private static List<String> optionalStrings(ConfigNode node, String expectedItem) throws ConfigException {
        return node == null ? List.of() : node.strings(expectedItem);
    }

    private static List<String> distinguishedNames(ConfigNode node) throws ConfigException {
        List<String> patterns = optionalStrings(node, "ATTRIBUTE=value pattern");
        for (String p : patterns) {
            // Read by the parser the rule's matcher uses: unescaped , separates attributes and + the values of
            // a multi-valued RDN, so a literal + or , is \+ or \,.
            if (!isNamePattern(p)) {
                throw node.fail("'" + p + "' is not a name pattern (expected: ATTRIBUTE=value pairs such as"
                        + " CN=ops-*,O=Acme; write a literal , or + in a value as \\, or \\+)");
            }
        }
        return patterns;
    }

    private static boolean isNamePattern(String pattern) {
        List<String[]> pairs;
        try {
            pairs = DistinguishedNames.attributes(pattern);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (String[] pair : pairs) {
            if (!pair[0].matches("[A-Z][A-Z0-9.-]*")) {
                return false;
            }
        }
        return !pairs.isEmpty();
    }

    /** Checks {@code text} is an IPv4 or IPv6 address, optionally with a /prefix, with no host bits set. */
    static void checkCidr(ConfigNode node, String text) throws ConfigException {
        try {
            CidrBlock.parse(text);
        } catch (IllegalArgumentException e) {
            throw node.fail(e.getMessage());
        }
    }

    /** One action: a mapping with exactly one of forward, fixed_response, redirect, deny. */
    ActionConfig action(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with " + ACTIONS, "forward", "fixed_response", "redirect", "deny");
        if (map.isEmpty()) {
            throw node.fail("no action (expected: " + ACTIONS + ")");
        }
        List<String> keys = new ArrayList<>(map.entries().keySet());
        if (keys.size() > 1) {
            throw map.raw(keys.get(1)).fail("a second action after " + keys.get(0) + " (expected: exactly one of "
                    + "forward, fixed_response, redirect, deny)");
        }
        ConfigNode value = map.raw(keys.get(0));
        return switch (keys.get(0)) {
            case "forward" -> forward(value);
            case "fixed_response" -> fixedResponse(value);
            case "redirect" -> redirect(value);
            default -> deny(value);
        };
    }

    ActionConfig.Forward forward(ConfigNode node) throws ConfigException {
        String expected = "a target group name, or a list of {target_group, weight}";
        if (node.isScalar() && !node.isNull()) {
            return ActionConfig.Forward.to(targetGroupReference(node));
        }
        List<ConfigNode> items = node.list(expected);
        if (items.isEmpty()) {
            throw node.fail("empty list (expected: at least one {target_group, weight})");
        }
        List<WeightedTargetGroup> groups = new ArrayList<>();
        int total = 0;
        for (ConfigNode item : items) {
            ConfigMapping map = item.mapping("a mapping with target_group and weight", "target_group", "weight");
            ConfigNode groupNode = map.required("target_group", "the name of a target group");
            String group = targetGroupReference(groupNode);
            for (WeightedTargetGroup g : groups) {
                if (g.targetGroup().equals(group)) {
                    throw groupNode.fail("target group '" + group + "' listed twice (expected: each group once)");
                }
            }
            ConfigNode weightNode = map.optional("weight");
            int weight = weightNode == null ? 1 : weightNode.intValue(0, MAX_WEIGHT);
            total += weight;
            groups.add(new WeightedTargetGroup(group, weight));
        }
        if (total == 0) {
            throw node.fail("every weight is 0 (expected: at least one weight > 0)");
        }
        return new ActionConfig.Forward(groups);
    }

    private String targetGroupReference(ConfigNode node) throws ConfigException {
        String name = node.string("the name of a target group");
        if (!targetGroups.contains(name)) {
            throw node.fail("unknown target group '" + name + "' (expected: "
                    + TargetGroupParser.nameList("target_groups", targetGroups) + ")");
        }
        return name;
    }

    private static ActionConfig.FixedResponse fixedResponse(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with status, content_type, body", "status", "content_type", "body");
        int status = map.required("status", "an HTTP status 200-599").intValue(200, 599);
        ConfigNode typeNode = map.optional("content_type");
        String contentType = typeNode == null ? "text/plain" : typeNode.string("a media type such as text/plain");
        if (!contentType.matches(TOKEN + "/" + TOKEN + "(\\s*;.*)?")) {
            throw typeNode.fail("'" + contentType + "' is not a media type (expected: a type such as text/plain or application/json)");
        }
        ConfigNode bodyNode = map.optional("body");
        String body = bodyNode == null ? "" : bodyNode.text("the response body text");
        return new ActionConfig.FixedResponse(status, contentType, body);
    }

    private static ActionConfig.Redirect redirect(ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with status and any of protocol, host, port, path, query",
                "status", "protocol", "host", "port", "path", "query");
        ConfigNode statusNode = map.required("status", "301 or 302");
        int status = statusNode.intValue(301, 302);
        String protocol = redirectPart(map, "protocol");
        if (protocol != null && !protocol.equalsIgnoreCase("http") && !protocol.equalsIgnoreCase("https")
                && !protocol.equals("#{protocol}")) {
            throw map.optional("protocol").fail("unknown protocol '" + protocol + "' (expected: one of http, https, #{protocol})");
        }
        String host = redirectPart(map, "host");
        String port = redirectPart(map, "port");
        if (port != null && !port.contains("#{")) {
            ConfigNode portNode = map.optional("port");
            if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw portNode.fail("port out of range: " + port + " (expected: 1-65535 or #{port})");
            }
        }
        String path = redirectPart(map, "path");
        if (path != null && !path.startsWith("/") && !path.startsWith("#{")) {
            throw map.optional("path").fail("'" + path + "' does not start with / (expected: a path such as /new/#{path})");
        }
        String query = redirectPart(map, "query");
        if (protocol == null && host == null && port == null && path == null && query == null) {
            throw node.fail("redirects to the request's own URL, a loop (expected: at least one of protocol, host,"
                    + " port, path, query)");
        }
        return new ActionConfig.Redirect(status, protocol, host, port, path, query);
    }

    /** A redirect component, with its {@code #{...}} placeholders checked. */
    private static String redirectPart(ConfigMapping map, String key) throws ConfigException {
        ConfigNode node = map.optional(key);
        if (node == null) {
            return null;
        }
        String value = node.text("the " + key + " to redirect to");
        Matcher m = PLACEHOLDER.matcher(value);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw node.fail("unknown placeholder '" + m.group() + "' (expected: one of #{protocol}, #{host},"
                        + " #{port}, #{path}, #{query})");
            }
        }
        return value;
    }

    private static ActionConfig.Deny deny(ConfigNode node) throws ConfigException {
        if (node.isNull()) {
            return new ActionConfig.Deny(403);
        }
        ConfigMapping map = node.mapping("a mapping with status, or nothing for 403", "status");
        ConfigNode statusNode = map.optional("status");
        return new ActionConfig.Deny(statusNode == null ? 403 : statusNode.intValue(400, 599));
    }
}
