package dev.gatehouse.server.config;

import java.util.Map;

/**
 * {@code mutual_authentication} of an https listener.
 *
 * @param mode                          {@code mode}: off (default), passthrough, verify. A bare YAML
 *                                      {@code off} (boolean false in YAML 1.1) means off.
 * @param trustStore                    {@code trust_store}: name of a trust store; required in verify mode
 * @param ignoreClientCertificateExpiry {@code ignore_client_certificate_expiry} (default false)
 * @param advertiseTrustStoreCaNames    {@code advertise_trust_store_ca_names} (default false)
 * @param headerNames                   {@code header_names}: renames, keyed by the default header;
 *                                      only the renamed ones are present
 * @param trustUnverifiedIdentity       {@code trust_unverified_identity} (default false): lets rules
 *                                      on {@code client_certificate} match on a passthrough listener
 * @param at                            where the section is (or the listener, when absent)
 */
public record MutualAuthConfig(
        MutualAuthMode mode,
        String trustStore,
        boolean ignoreClientCertificateExpiry,
        boolean advertiseTrustStoreCaNames,
        Map<IdentityHeader, String> headerNames,
        boolean trustUnverifiedIdentity,
        ConfigLocation at) {

    public MutualAuthConfig {
        headerNames = Map.copyOf(headerNames);
    }

    public static MutualAuthConfig off(ConfigLocation at) {
        return new MutualAuthConfig(MutualAuthMode.OFF, null, false, false, Map.of(), false, at);
    }

    /** The header name to use for {@code header}: the rename if there is one, else the default. */
    public String headerName(IdentityHeader header) {
        return headerNames.getOrDefault(header, header.defaultName());
    }

    public enum MutualAuthMode { OFF, PASSTHROUGH, VERIFY }
}
