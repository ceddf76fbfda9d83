package dev.gatehouse.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.RuleConfig;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    static final ConfigLocation AT = ConfigLocation.synthetic("x");
    static final ConnectionInfo CONN = new ConnectionInfo("TID_0", new InetSocketAddress("10.1.2.3", 1000),
            new InetSocketAddress("127.0.0.1", 443), true, List.of(), null);

    static TargetGroups groups() {
        Map<String, TargetGroupConfig> m = new HashMap<>();
        for (String n : List.of("a", "b")) {
            m.put(n, new TargetGroupConfig(n, TargetGroupConfig.TargetProtocol.HTTP, List.of(TargetAddress.of("127.0.0.1", 1)),
                    TargetGroupConfig.LoadBalancing.ROUND_ROBIN, null, null, TargetGroupConfig.TargetTimeouts.DEFAULTS, AT));
        }
        return TargetGroups.create(m, null);
    }

    static ListenerConfig listener(List<RuleConfig> rules, ActionConfig def) {
        return new ListenerConfig("l", TargetAddress.of("127.0.0.1", 0), ListenerConfig.ListenerProtocol.HTTP, null,
                MutualAuthConfig.off(AT), rules, def, ListenerTimeouts.DEFAULTS, AT);
    }

    static RuleConfig.Conditions when(List<String> host, List<String> path, List<String> method,
                                      Map<String, List<String>> header, List<String> source) {
        return new RuleConfig.Conditions(host, path, method, header, Map.of(), source, null);
    }

    static HttpRequest req(HttpMethod m, String uri, String host) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, m, uri);
        r.headers().set("host", host).set("x-env", "Prod");
        return r;
    }

    @Test
    void firstMatchingRuleByPriorityElseDefault() {
        Router router = Router.build(listener(List.of(
                new RuleConfig(20, when(List.of(), List.of("/api/*"), List.of(), Map.of(), List.of()), new ActionConfig.Deny(403), AT),
                new RuleConfig(10, when(List.of("*.example.com"), List.of("/api/admin*"), List.of("POST"),
                        Map.of("x-env", List.of("prod")), List.of("10.0.0.0/8")), ActionConfig.Forward.to("b"), AT)),
                ActionConfig.Forward.to("a")), groups());
        assertThat(router.route(req(HttpMethod.POST, "/api/admin/x?y", "api.example.com:443"), CONN).name()).isEqualTo("10");
        assertThat(router.route(req(HttpMethod.GET, "/api/admin/x", "api.example.com"), CONN).name()).isEqualTo("20");
        assertThat(router.route(req(HttpMethod.POST, "/api/admin", "other.org"), CONN).name()).isEqualTo("20");
        Route def = router.route(req(HttpMethod.GET, "/", "h"), CONN);
        assertThat(def.name()).isEqualTo("default");
        assertThat(((Action.Forward) def.action()).pick().name()).isEqualTo("a");
    }

    @Test
    void weightedForwardFollowsWeights() {
        Router router = Router.build(listener(List.of(), new ActionConfig.Forward(List.of(
                new ActionConfig.WeightedTargetGroup("a", 90), new ActionConfig.WeightedTargetGroup("b", 10)))), groups());
        Action.Forward f = (Action.Forward) router.route(req(HttpMethod.GET, "/", "h"), CONN).action();
        int a = 0;
        for (int i = 0; i < 10_000; i++) {
            if (f.pick().name().equals("a")) {
                a++;
            }
        }
        assertThat(a).isBetween(8_600, 9_400);
    }

    @Test
    void clientCertificateConditionsBuild() {
        RuleConfig.Conditions cert = new RuleConfig.Conditions(List.of(), List.of(), List.of(), Map.of(), Map.of(), List.of(),
                new RuleConfig.ClientCertificateConditions(List.of("CN=x"), List.of(), List.of(), List.of(), List.of(),
                        List.of(), List.of()));
        assertThatCode(() -> Router.build(listener(List.of(new RuleConfig(1, cert, new ActionConfig.Deny(403), AT)),
                ActionConfig.Forward.to("a")), groups())).doesNotThrowAnyException();
    }

    @Test
    void globs() {
        assertThat(dev.gatehouse.server.authz.Wildcards.request("/a/*").matches("/a/b/c")).isTrue();
        assertThat(dev.gatehouse.server.authz.Wildcards.request("/a/?").matches("/a/bc")).isFalse();
        assertThat(dev.gatehouse.server.authz.Wildcards.request("*.x.com").matches("a.x.com")).isTrue();
        assertThat(dev.gatehouse.server.authz.Wildcards.request("*.x.com").matches("x.com")).isFalse();
    }
}
