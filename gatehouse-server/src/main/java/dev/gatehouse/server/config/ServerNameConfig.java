package dev.gatehouse.server.config;

import java.util.List;

/**
 * One entry of a listener's {@code server_names}: the TLS policy of the connections whose SNI is one of
 * its names.
 *
 * @param names                {@code names}: exact host names and {@code *.suffix} wildcards (one label),
 *                             lower-case
 * @param tls                  {@code certificates} (with the listener's TLS policy), or {@code null}: the
 *                             listener's certificates, chosen by SNI as for the listener
 * @param mutualAuthentication {@code mutual_authentication}; mode off when absent
 * @param at                   where the entry is
 */
public record ServerNameConfig(List<String> names, TlsConfig tls, MutualAuthConfig mutualAuthentication,
                               ConfigLocation at) {
    public ServerNameConfig {
        names = List.copyOf(names);
    }
}
