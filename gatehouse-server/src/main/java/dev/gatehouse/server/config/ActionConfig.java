package dev.gatehouse.server.config;

import java.util.List;

/** What a rule (or {@code default_action}) does with a request. */
public sealed interface ActionConfig {

    /** {@code forward: name} or {@code forward: [{target_group: a, weight: 90}, ...]}. */
    record Forward(List<WeightedTargetGroup> targetGroups) implements ActionConfig {
        public Forward {
            targetGroups = List.copyOf(targetGroups);
        }

        public static Forward to(String targetGroup) {
            return new Forward(List.of(new WeightedTargetGroup(targetGroup, 1)));
        }
    }

    record WeightedTargetGroup(String targetGroup, int weight) {}

    /** {@code fixed_response: { status, content_type, body }}. */
    record FixedResponse(int status, String contentType, String body) implements ActionConfig {}

    /**
     * {@code redirect: { status: 301|302, protocol, host, port, path, query }}; {@code null} fields keep
     * the request's own; values may use {@code #{protocol}}, {@code #{host}}, {@code #{port}},
     * {@code #{path}}, {@code #{query}}.
     */
    record Redirect(int status, String protocol, String host, String port, String path, String query)
            implements ActionConfig {}

    /** {@code deny: { status }} (default 403). */
    record Deny(int status) implements ActionConfig {}
}
