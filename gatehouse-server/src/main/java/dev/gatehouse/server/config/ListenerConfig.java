package dev.gatehouse.server.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One listening socket.
 *
 * @param name                  unique name, used in logs ({@code name})
 * @param address               {@code address}, e.g. {@code 0.0.0.0:8443}
 * @param protocol              {@code protocol}: https (default), http or tls_passthrough
 * @param tls                   {@code tls}; required for https, rejected for http
 * @param mutualAuthentication  {@code mutual_authentication}; mode off when absent
 * @param rules                 {@code rules}, sorted by priority (lowest first) here, the one place they are sorted
 * @param defaultAction         {@code default_action}; required
 * @param timeouts              {@code timeouts}; defaults when absent
 * @param http2                 {@code http2}; {@link ListenerHttp2#DEFAULTS} when absent
 * @param at                    where the listener is defined
 * @param addressAt             where its {@code address} is (errors about binding it name this line)
 * @param serverNames           {@code server_names}: TLS policies by SNI (empty: the listener's for every name)
 * @param proxyProtocol         {@code proxy_protocol}; off when absent
 * @param sniRules              the {@code rules} of a {@code tls_passthrough} listener (its {@code rules} is then
 *                              empty, and its {@code default_action}, a forward, may be {@code null}: close)
 */
public record ListenerConfig(
        String name,
        TargetAddress address,
        ListenerProtocol protocol,
        TlsConfig tls,
        MutualAuthConfig mutualAuthentication,
        List<RuleConfig> rules,
        ActionConfig defaultAction,
        ListenerTimeouts timeouts,
        ListenerHttp2 http2,
        ConfigLocation at,
        ConfigLocation addressAt,
        List<ServerNameConfig> serverNames,
        ProxyProtocolConfig proxyProtocol,
        List<SniRuleConfig> sniRules) {

    public ListenerConfig {
        serverNames = List.copyOf(serverNames);
        List<RuleConfig> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparingInt(RuleConfig::priority));
        rules = List.copyOf(sorted);
        List<SniRuleConfig> sortedSni = new ArrayList<>(sniRules);
        sortedSni.sort(Comparator.comparingInt(SniRuleConfig::priority));
        sniRules = List.copyOf(sortedSni);
    }

    /** A listener without PROXY protocol that terminates TLS (or is plain http). */
    public ListenerConfig(String name, TargetAddress address, ListenerProtocol protocol, TlsConfig tls,
                          MutualAuthConfig mutualAuthentication, List<RuleConfig> rules, ActionConfig defaultAction,
                          ListenerTimeouts timeouts, ListenerHttp2 http2, ConfigLocation at, ConfigLocation addressAt,
                          List<ServerNameConfig> serverNames) {
        this(name, address, protocol, tls, mutualAuthentication, rules, defaultAction, timeouts, http2, at, addressAt,
                serverNames, ProxyProtocolConfig.off(at), List.of());
    }

    /** A listener without {@code server_names}. */
    public ListenerConfig(String name, TargetAddress address, ListenerProtocol protocol, TlsConfig tls,
                          MutualAuthConfig mutualAuthentication, List<RuleConfig> rules, ActionConfig defaultAction,
                          ListenerTimeouts timeouts, ListenerHttp2 http2, ConfigLocation at, ConfigLocation addressAt) {
        this(name, address, protocol, tls, mutualAuthentication, rules, defaultAction, timeouts, http2, at, addressAt,
                List.of());
    }

    /** A listener not read from a file: its address is located at the listener. */
    public ListenerConfig(String name, TargetAddress address, ListenerProtocol protocol, TlsConfig tls,
                          MutualAuthConfig mutualAuthentication, List<RuleConfig> rules, ActionConfig defaultAction,
                          ListenerTimeouts timeouts, ListenerHttp2 http2, ConfigLocation at) {
        this(name, address, protocol, tls, mutualAuthentication, rules, defaultAction, timeouts, http2, at,
                at.child("address", at.line()));
    }

    /** A listener not read from a file, with the default HTTP/2 settings. */
    public ListenerConfig(String name, TargetAddress address, ListenerProtocol protocol, TlsConfig tls,
                          MutualAuthConfig mutualAuthentication, List<RuleConfig> rules, ActionConfig defaultAction,
                          ListenerTimeouts timeouts, ConfigLocation at) {
        this(name, address, protocol, tls, mutualAuthentication, rules, defaultAction, timeouts,
                ListenerHttp2.DEFAULTS, at);
    }

    /** {@code https} and {@code http} serve HTTP; {@code tls_passthrough} relays TLS bytes untouched. */
    public enum ListenerProtocol { HTTP, HTTPS, TLS_PASSTHROUGH }
}
