package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code tls} of an https listener.
 *
 * @param certificates {@code certificates}: SNI picks by SAN; the first is the default (at least one)
 * @param policy       {@code policy}: {@code tls12-and-13} (default), {@code tls13-only} or {@code tls12-legacy}
 * @param tls12Suites  the TLS 1.2 cipher suites offered, IANA names in the order of preference: the
 *                     policy's, or {@code ciphers}; empty with {@code tls13-only}
 * @param sessionResumption {@code session_resumption} (its defaults when absent)
 */
public record TlsConfig(List<CertificateKeyPair> certificates, TlsPolicy policy, List<String> tls12Suites,
                        SessionResumptionConfig sessionResumption) {
    public TlsConfig {
        certificates = List.copyOf(certificates);
        tls12Suites = List.copyOf(tls12Suites);
        if (sessionResumption == null) {
            sessionResumption = SessionResumptionConfig.DEFAULTS;
        }
    }

    /** With the policy's own TLS 1.2 suites and session resumption as its defaults say. */
    public TlsConfig(List<CertificateKeyPair> certificates, TlsPolicy policy) {
        this(certificates, policy, policy.tls12Suites(), null);
    }

    /** Session resumption as its defaults say. */
    public TlsConfig(List<CertificateKeyPair> certificates, TlsPolicy policy, List<String> tls12Suites) {
        this(certificates, policy, tls12Suites, null);
    }

    /**
     * A certificate chain (PEM, leaf first) and its private key (PEM PKCS#8, PKCS#1 or SEC1), paths
     * resolved against the config file's directory.
     */
    public record CertificateKeyPair(Path certificate, ConfigLocation certificateAt,
                                     Path privateKey, ConfigLocation privateKeyAt) {}

    /** A listener's protocols and TLS 1.2 cipher suites. */
    public enum TlsPolicy {
        /** TLS 1.2 and 1.3; TLS 1.2 with ECDHE and AES-GCM or ChaCha20 only. */
        TLS12_AND_13(TlsCipherSuites.TLS12_AEAD),
        /** TLS 1.3 only. */
        TLS13_ONLY(List.of()),
        /** TLS 1.2 and 1.3; TLS 1.2 also with AES-CBC and ECDHE or RSA key exchange (older devices). */
        TLS12_LEGACY(TlsCipherSuites.TLS12_LEGACY);

        private final List<String> tls12Suites;

        TlsPolicy(List<String> tls12Suites) {
            this.tls12Suites = tls12Suites;
        }

        /** The policy's TLS 1.2 suites, IANA names in the order of preference. */
        public List<String> tls12Suites() {
            return tls12Suites;
        }
    }
}
