package dev.gatehouse.server.config;

import java.util.List;

/**
 * {@code proxy_protocol} of a listener: whether connections start with a PROXY protocol header (version 1
 * or 2) naming the client, as an L4 balancer in front sends it.
 *
 * @param mode           {@code mode}: off (default) or required
 * @param trustedSources {@code trusted_sources}: CIDR blocks of the peers allowed to send the header;
 *                       required with mode required; a connection from any other peer is refused
 * @param at             where the section is (or the listener, when absent)
 */
public record ProxyProtocolConfig(Mode mode, List<String> trustedSources, ConfigLocation at) {
    public ProxyProtocolConfig {
        trustedSources = List.copyOf(trustedSources);
    }

    /** No PROXY header expected: the peer's address is the client's. */
    public static ProxyProtocolConfig off(ConfigLocation at) {
        return new ProxyProtocolConfig(Mode.OFF, List.of(), at);
    }

    public boolean required() {
        return mode == Mode.REQUIRED;
    }

    public enum Mode { OFF, REQUIRED }
}
