package dev.gatehouse.server.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code rules} and {@code default_action} of a {@code tls_passthrough} listener: conditions on
 * the ClientHello's server name ({@code when.sni}) and {@code forward} actions only, since nothing of the
 * HTTP requests inside the TLS connection is visible. Keys that need the connection terminated are errors
 * that say so.
 */
final class PassthroughRules {
    /** The conditions of HTTP listeners, all of which need TLS terminated. */
    private static final Set<String> HTTP_CONDITIONS =
            Set.of("host", "path", "method", "header", "query", "source_ip", "client_certificate");

    private PassthroughRules() {}

    /** The rules, each judged on its own (a faulty one goes to {@code problems} and is left out). */
    static List<SniRuleConfig> rules(RuleParser actions, ConfigNode node, ConfigProblems problems) {
        List<SniRuleConfig> rules = new ArrayList<>();
        Map<Integer, SniRuleConfig> byPriority = new HashMap<>();
        List<ConfigNode> items = problems.attempt(() -> node.list("a list of rules"));
        if (items == null) {
            return rules;
        }
        for (int i = 0; i < items.size(); i++) {
            ConfigNode item = items.get(i);
            int position = i + 1;
            SniRuleConfig rule = problems.attempt(() -> rule(actions, item, position, byPriority));
            if (rule != null) {
                byPriority.put(rule.priority(), rule);
                rules.add(rule);
            }
        }
        return rules;
    }

    private static SniRuleConfig rule(RuleParser actions, ConfigNode item, int position,
                                      Map<Integer, SniRuleConfig> byPriority) throws ConfigException {
        ConfigMapping map = item.mapping("a rule (a mapping with when and then)", "priority", "when", "then");
        ConfigNode priorityNode = map.optional("priority");
        int priority = priorityNode == null ? position : priorityNode.intValue(1, RuleParser.MAX_PRIORITY);
        SniRuleConfig same = byPriority.get(priority);
        if (same != null) {
            ConfigException e = new ConfigException(priorityNode != null ? priorityNode.at()
                    : map.at().child("priority", map.at().line()), "duplicate priority " + priority
                    + (priorityNode == null ? " (the rule's position, its default)" : "")
                    + " (expected: unique within the listener; also used by " + same.at().key() + " at line "
                    + same.at().line() + ")");
            throw e;
        }
        List<String> sni = List.of();
        ConfigNode whenNode = map.optional("when");
        if (whenNode != null) {
            ConfigMapping when = whenNode.freeMapping("a mapping with sni");
            for (Map.Entry<String, ConfigNode> e : when.entries().entrySet()) {
                if (e.getKey().equals("sni")) {
                    continue;
                }
                if (HTTP_CONDITIONS.contains(e.getKey())) {
                    throw e.getValue().fail("not allowed: a tls_passthrough listener does not terminate TLS, so it"
                            + " cannot see " + e.getKey() + " (expected: sni, the ClientHello's server name)");
                }
                throw e.getValue().fail("unknown key (expected: sni)");
            }
            ConfigNode sniNode = when.optional("sni");
            if (sniNode != null) {
                sni = sniNode.strings("server name pattern");
                for (String name : sni) {
                    if (!name.matches("[A-Za-z0-9*?._-]+")) {
                        throw sniNode.fail("'" + name + "' is not a server name pattern (expected: a name such as"
                                + " api.example.com or *.example.com)");
                    }
                }
            }
        }
        ActionConfig.Forward then = forward(actions, map.required("then", "a forward action"));
        return new SniRuleConfig(priority, sni, then, item.at());
    }

    /** An action of a passthrough listener: {@code forward}, the only one there is without terminating TLS. */
    static ActionConfig.Forward forward(RuleParser actions, ConfigNode node) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with forward", "forward", "fixed_response", "redirect", "deny");
        for (String key : List.of("fixed_response", "redirect", "deny")) {
            if (map.has(key)) {
                throw map.raw(key).fail("not allowed: a tls_passthrough listener does not terminate TLS, so it"
                        + " cannot answer with HTTP (expected: forward; a connection nothing matches is closed)");
            }
        }
        return actions.forward(map.required("forward", "a target group, or a list of them with weights"));
    }

    /**
     * Refuses a target group with {@code proxy_protocol: v2} that an HTTP listener forwards to: the header
     * is sent only on the connections a {@code tls_passthrough} listener relays.
     */
    static void checkProxyProtocolTargets(List<ListenerConfig> listeners, Map<String, TargetGroupConfig> groups)
            throws ConfigException {
        for (ListenerConfig l : listeners) {
            if (l.protocol() == ListenerConfig.ListenerProtocol.TLS_PASSTHROUGH) {
                continue;
            }
            List<ActionConfig> actions = new ArrayList<>();
            actions.add(l.defaultAction());
            l.rules().forEach(r -> actions.add(r.then()));
            for (ActionConfig action : actions) {
                if (!(action instanceof ActionConfig.Forward forward)) {
                    continue;
                }
                for (ActionConfig.WeightedTargetGroup w : forward.targetGroups()) {
                    TargetGroupConfig g = groups.get(w.targetGroup());
                    if (g != null && g.proxyProtocol()) {
                        throw new ConfigException(g.at().child("proxy_protocol", g.at().line()), "v2 on a group that"
                                + " listener " + l.name() + " (" + l.protocol().name().toLowerCase(java.util.Locale.ROOT)
                                + ") forwards requests to (expected: off; the header is sent only on connections a"
                                + " tls_passthrough listener relays)");
                    }
                }
            }
        }
    }
}
