package dev.gatehouse.server.config;

import java.util.List;

/**
 * One entry of the {@code rules} of a {@code tls_passthrough} listener: the ClientHello's server name
 * decides where the connection's bytes go. Lowest priority first; the first rule whose {@code sni} matches
 * decides.
 *
 * @param priority {@code priority}: unique within the listener; default its position in the list (1, 2, ...)
 * @param sni      {@code when.sni}: server-name patterns ({@code *} any run, {@code ?} one character, any
 *                 case); empty: matches every connection, with or without a server name
 * @param then     {@code then}: a {@code forward} action, the only one a connection that is not terminated
 *                 can take
 * @param at       where the rule is defined
 */
public record SniRuleConfig(int priority, List<String> sni, ActionConfig.Forward then, ConfigLocation at) {
    public SniRuleConfig {
        sni = List.copyOf(sni);
    }
}
