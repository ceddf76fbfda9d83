package dev.gatehouse.server.config;

import java.util.List;
import java.util.Map;

/**
 * {@code mutual_authentication} of an https listener (or of one of its {@code server_names}).
 *
 * @param mode                          {@code mode}: off (default), passthrough, optional, verify. A bare YAML
 *                                      {@code off} (boolean false in YAML 1.1) means off.
 * @param trustStore                    {@code trust_store}: name of a trust store; required in verify and
 *                                      optional mode
 * @param ignoreClientCertificateExpiry {@code ignore_client_certificate_expiry} (default false)
 * @param advertiseTrustStoreCaNames    {@code advertise_trust_store_ca_names} (default false)
 * @param headerNames                   {@code header_names}: renames, keyed by the default header;
 *                                      only the renamed ones are present
 * @param trustUnverifiedIdentity       {@code trust_unverified_identity} (default false): lets rules
 *                                      on {@code client_certificate} match on a passthrough listener
 * @param forward                       {@code forward}: the formats of the identity headers sent to targets,
 *                                      in order, without repeats (default {@code [alb]})
 * @param failureResponse               {@code failure_response}: how a certificate that is missing or fails
 *                                      verification is answered (default {@code alert})
 * @param at                            where the section is (or the listener, when absent)
 */
public record MutualAuthConfig(
        MutualAuthMode mode,
        String trustStore,
        boolean ignoreClientCertificateExpiry,
        boolean advertiseTrustStoreCaNames,
        Map<IdentityHeader, String> headerNames,
        boolean trustUnverifiedIdentity,
        List<ForwardFormat> forward,
        FailureResponse failureResponse,
        ConfigLocation at) {

    public MutualAuthConfig {
        headerNames = Map.copyOf(headerNames);
        forward = List.copyOf(forward);
    }

    /** With the default {@code forward} ({@code [alb]}) and {@code failure_response} ({@code alert}). */
    public MutualAuthConfig(MutualAuthMode mode, String trustStore, boolean ignoreClientCertificateExpiry,
                            boolean advertiseTrustStoreCaNames, Map<IdentityHeader, String> headerNames,
                            boolean trustUnverifiedIdentity, ConfigLocation at) {
        this(mode, trustStore, ignoreClientCertificateExpiry, advertiseTrustStoreCaNames, headerNames,
                trustUnverifiedIdentity, List.of(ForwardFormat.ALB), FailureResponse.ALERT, at);
    }

    public static MutualAuthConfig off(ConfigLocation at) {
        return new MutualAuthConfig(MutualAuthMode.OFF, null, false, false, Map.of(), false, at);
    }

    /** The header name to use for {@code header}: the rename if there is one, else the default. */
    public String headerName(IdentityHeader header) {
        return headerNames.getOrDefault(header, header.defaultName());
    }

    /** Whether a presented certificate is verified against the trust store (verify and optional mode). */
    public boolean verifies() {
        return mode == MutualAuthMode.VERIFY || mode == MutualAuthMode.OPTIONAL;
    }

    public enum MutualAuthMode { OFF, PASSTHROUGH, OPTIONAL, VERIFY }

    /**
     * The identity-header formats of {@code forward}: {@code alb} (the {@code X-Amzn-Mtls-Clientcert*}
     * headers of the mode), {@code xfcc} (Envoy's {@code X-Forwarded-Client-Cert}), {@code rfc9440}
     * ({@code Client-Cert} and {@code Client-Cert-Chain}).
     */
    public enum ForwardFormat { ALB, XFCC, RFC9440 }

    /**
     * {@code failure_response}: {@code alert} ends the handshake with the failure's TLS alert; {@code http}
     * completes it and answers every request of the connection with 496 (no certificate) or 495 (refused).
     */
    public enum FailureResponse { ALERT, HTTP }
}
