package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code tls} of an https listener.
 *
 * @param certificates {@code certificates}: SNI picks by SAN; the first is the default (at least one)
 * @param policy       {@code policy}: {@code tls12-and-13} (default) or {@code tls13-only}
 * @param sessionResumption {@code session_resumption} (defaults when absent)
 */
public record TlsConfig(List<CertificateKeyPair> certificates, TlsPolicy policy,
                        SessionResumptionConfig sessionResumption) {
    public TlsConfig {
        certificates = List.copyOf(certificates);
        if (sessionResumption == null) {
            sessionResumption = SessionResumptionConfig.DEFAULTS;
        }
    }

    /** Session resumption as its defaults say. */
    public TlsConfig(List<CertificateKeyPair> certificates, TlsPolicy policy) {
        this(certificates, policy, null);
    }

    /**
     * A certificate chain (PEM, leaf first) and its private key (PEM PKCS#8, PKCS#1 or SEC1), paths
     * resolved against the config file's directory.
     */
    public record CertificateKeyPair(Path certificate, ConfigLocation certificateAt,
                                     Path privateKey, ConfigLocation privateKeyAt) {}

    /** {@code tls12-and-13} and {@code tls13-only}. */
    public enum TlsPolicy { TLS12_AND_13, TLS13_ONLY }
}
