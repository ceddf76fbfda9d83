package dev.gatehouse.server.config;

import java.util.List;
import java.util.Map;

/**
 * One entry of a listener's {@code rules}: lowest priority number wins; the first rule whose every
 * given condition matches decides.
 *
 * @param priority {@code priority}: unique within the listener
 * @param when     {@code when}: all given conditions must match (none given: always matches)
 * @param then     {@code then}: the action
 * @param at       where the rule is defined
 */
public record RuleConfig(int priority, Conditions when, ActionConfig then, ConfigLocation at) {

    /**
     * {@code when}. Every list is "any of"; an empty list or map means "no condition".
     */
    public record Conditions(List<String> host, List<String> path, List<String> method,
                             Map<String, List<String>> header, Map<String, List<String>> query,
                             List<String> sourceIp, ClientCertificateConditions clientCertificate) {
        public Conditions {
            host = List.copyOf(host);
            path = List.copyOf(path);
            method = List.copyOf(method);
            header = Map.copyOf(header);
            query = Map.copyOf(query);
            sourceIp = List.copyOf(sourceIp);
        }

        public static final Conditions ALWAYS = new Conditions(List.of(), List.of(), List.of(), Map.of(), Map.of(),
                List.of(), null);
    }

    /** {@code when.client_certificate}: all given fields must match; values may use {@code *}. */
    public record ClientCertificateConditions(List<String> subject, List<String> issuer, List<String> sanDns,
                                              List<String> sanUri, List<String> sanEmail, List<String> serial,
                                              List<String> fingerprintSha256) {}
}
