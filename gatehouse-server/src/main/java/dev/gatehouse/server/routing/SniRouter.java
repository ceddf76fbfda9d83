package dev.gatehouse.server.routing;

import dev.gatehouse.server.authz.Wildcards;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.SniRuleConfig;
import dev.gatehouse.server.target.TargetGroups;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The route table of a {@code tls_passthrough} listener, compiled once per runtime state: rules on the
 * ClientHello's server name, lowest priority first, then {@code default_action}. Immutable.
 */
public final class SniRouter {
    private record Rule(List<Wildcards> names, Action.Forward forward) {
        boolean matches(String serverName) {
            if (names.isEmpty()) {
                return true;
            }
            if (serverName == null) {
                return false;
            }
            for (Wildcards w : names) {
                if (w.matches(serverName)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final List<Rule> rules;
    private final Action.Forward defaultAction;

    private SniRouter(List<Rule> rules, Action.Forward defaultAction) {
        this.rules = rules;
        this.defaultAction = defaultAction;
    }

    /** The table of {@code listener}, whose rules and target-group names the configuration layer checked. */
    public static SniRouter create(ListenerConfig listener, TargetGroups groups) {
        List<Rule> rules = new ArrayList<>();
        for (SniRuleConfig r : listener.sniRules()) {
            List<Wildcards> names = new ArrayList<>();
            for (String s : r.sni()) {
                names.add(Wildcards.request(s.toLowerCase(Locale.ROOT)));
            }
            rules.add(new Rule(List.copyOf(names), (Action.Forward) Router.action(r.then(), groups)));
        }
        Action.Forward defaultAction = listener.defaultAction() == null ? null
                : (Action.Forward) Router.action(listener.defaultAction(), groups);
        return new SniRouter(List.copyOf(rules), defaultAction);
    }

    /**
     * Where a connection goes by its server name ({@code null}: the ClientHello had none): the first
     * matching rule's forward, else the default action, else {@code null} (the connection is closed).
     */
    public Action.Forward route(String serverName) {
        String name = serverName == null ? null : serverName.toLowerCase(Locale.ROOT);
        for (Rule r : rules) {
            if (r.matches(name)) {
                return r.forward();
            }
        }
        return defaultAction;
    }
}
