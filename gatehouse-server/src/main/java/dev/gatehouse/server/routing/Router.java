package dev.gatehouse.server.routing;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.RuleConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.target.TargetGroup;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The route table of one listener, built once per configuration: its rules in priority order (lowest
 * first; the first whose every condition matches decides), then the {@code default_action}.
 *
 * <p>Thread-safe and immutable; {@link #route} allocates nothing beyond what conditions need.
 */
public final class Router {
    private final Rule[] rules;
    private final Route fallback;
    private final boolean identityRules;
    private final boolean acceptUnverified;

    private record Rule(Condition[] conditions, Route route) {}

    private Router(Rule[] rules, Route fallback, boolean identityRules, boolean acceptUnverified) {
        this.rules = rules;
        this.fallback = fallback;
        this.identityRules = identityRules;
        this.acceptUnverified = acceptUnverified;
    }

    /**
     * Builds the table of {@code listener}, resolving target group names against {@code groups}. The
     * listener comes from the configuration layer, which checked every rule (patterns, references to
     * target groups, weights) and applied every default, and sorted the rules by priority: nothing is
     * checked again here.
     */
    public static Router build(ListenerConfig listener, TargetGroups groups) {
        List<Rule> rules = new ArrayList<>();
        // An unverified identity exists only on connections of a policy that trusts it (a server name's too).
        boolean acceptUnverified = listener.mutualAuthentication().trustUnverifiedIdentity()
                || listener.serverNames().stream().anyMatch(s -> s.mutualAuthentication().trustUnverifiedIdentity());
        boolean identityRules = false;
        for (RuleConfig r : listener.rules()) {
            identityRules |= r.when().clientCertificate() != null;
            Condition[] conditions = Conditions.of(r.when(), acceptUnverified);
            rules.add(new Rule(conditions, new Route(Integer.toString(r.priority()), action(r.then(), groups))));
        }
        Route fallback = new Route(Route.DEFAULT, action(listener.defaultAction(), groups));
        return new Router(rules.toArray(new Rule[0]), fallback, identityRules, acceptUnverified);
    }

    /**
     * The path rules judge: path parameters ({@code ;...} at the end of a segment) removed, as Java
     * servlet containers remove them, so {@code /internal;x/y} is judged as {@code /internal/y} — the
     * path such a target serves. Paths without {@code ;} are returned as they are.
     */
    static String withoutPathParameters(String path) {
        int semicolon = path.indexOf(';');
        if (semicolon < 0) {
            return path;
        }
        StringBuilder sb = new StringBuilder(path.length());
        int i = 0;
        while (semicolon >= 0) {
            sb.append(path, i, semicolon);
            int slash = path.indexOf('/', semicolon);
            if (slash < 0) {
                return sb.toString();
            }
            i = slash;
            semicolon = path.indexOf(';', i);
        }
        return sb.append(path, i, path.length()).toString();
    }

    /** The route of {@code request}. */
    public Route route(HttpRequest request, ConnectionInfo connection) {
        if (rules.length == 0) {
            return fallback;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = withoutPathParameters(q < 0 ? uri : uri.substring(0, q));
        for (Rule rule : rules) {
            boolean all = true;
            for (Condition c : rule.conditions) {
                if (!c.matches(request, path, connection)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return rule.route;
            }
        }
        return fallback;
    }

    /**
     * Why {@code route}, a deny, refused the request, for the access log: {@code denied by rule} (the
     * log's rule field names it), or {@code denied by default_action: no rule matched}, with the reason
     * client-certificate rules could not match when the connection has no usable identity.
     */
    public String denyReason(Route route, ConnectionInfo connection) {
        if (route != fallback) {
            return "denied by rule";
        }
        if (identityRules) {
            if (connection.identity() == null) {
                return "denied by default_action: no rule matched (no client certificate identity)";
            }
            if (!connection.identity().verified() && !acceptUnverified) {
                return "denied by default_action: no rule matched (client certificate not verified)";
            }
        }
        return "denied by default_action: no rule matched";
    }

    static Action action(ActionConfig config, TargetGroups groups) {
        if (config instanceof ActionConfig.Forward f) {
            List<TargetGroup> list = new ArrayList<>();
            int[] cumulative = new int[f.targetGroups().size()];
            int sum = 0;
            for (int i = 0; i < f.targetGroups().size(); i++) {
                ActionConfig.WeightedTargetGroup w = f.targetGroups().get(i);
                list.add(groups.group(w.targetGroup()));
                sum += w.weight();
                cumulative[i] = sum;
            }
            return new Action.Forward(List.copyOf(list), cumulative);
        }
        if (config instanceof ActionConfig.FixedResponse r) {
            return new Action.FixedResponse(r.status(), r.contentType(), r.body());
        }
        if (config instanceof ActionConfig.Redirect r) {
            return new Action.Redirect(r.status(), r.protocol(), r.host(), r.port(), r.path(), r.query());
        }
        ActionConfig.Deny d = (ActionConfig.Deny) config;
        return new Action.Deny(d.status());
    }
}
