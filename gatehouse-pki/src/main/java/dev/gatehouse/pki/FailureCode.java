package dev.gatehouse.pki;

/**
 * Why a client certificate (or connection) was refused: the codes of the README's failure-code table
 * ("Connection log"); the alert each one sends is in docs/mutual-tls.md ("Failure codes and TLS alerts").
 *
 * <p>Constants are UPPER_SNAKE; {@link #logName()} is the exact name of the connection log
 * ({@code Failed:<logName>}) and of {@code gatehouse verify}, e.g. {@code ClientCertExpired}.
 * {@link #tlsAlert()} is the TLS alert the gateway sends for it in verify mode.
 */
public enum FailureCode {
    /** No certificate presented (verify mode). TLS 1.3 {@code certificate_required}; TLS 1.2 sends 40. */
    CLIENT_CERT_MISSING("ClientCertMissing", 116),
    /** No path to an anchor of the store; a signature in the path does not verify. */
    CLIENT_CERT_UNTRUSTED("ClientCertUntrusted", 48),
    /** The only paths found are longer than the trust store's {@code max_chain_depth}. */
    CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED("ClientCertMaxChainDepthExceeded", 48),
    /** A certificate of the path is past its notAfter (the leaf: unless expiry is ignored). */
    CLIENT_CERT_EXPIRED("ClientCertExpired", 45),
    /** A certificate of the path is before its notBefore. */
    CLIENT_CERT_NOT_YET_VALID("ClientCertNotYetValid", 45),
    /** A certificate of the path is on its issuer's CRL. */
    CLIENT_CERT_CRL_HIT("ClientCertCrlHit", 44),
    /** The issuer's CRL cannot be used (bad signature at use, unreadable). */
    CLIENT_CERT_CRL_PROCESSING_ERROR("ClientCertCrlProcessingError", 46),
    /** Leaf EKU without the required purpose; a CA certificate presented as the leaf. */
    CLIENT_CERT_PURPOSE_INVALID("ClientCertPurposeInvalid", 43),
    /** Key type or size, or signature algorithm, not allowed (RSA &lt; 2048, unknown curve, SHA-1/MD5). */
    CLIENT_CERT_TYPE_UNSUPPORTED("ClientCertTypeUnsupported", 43),
    /** Malformed; not v3; an issuer not a CA; path length, key usage or name constraints violated; unknown critical extension. */
    CLIENT_CERT_INVALID("ClientCertInvalid", 42),
    /** More than 10 certificates or 64 KiB presented, or one certificate over 16 KiB. */
    CLIENT_CERT_MAX_SIZE_EXCEEDED("ClientCertMaxSizeExceeded", 42),
    /** Refused by a configured pin or policy beyond the trust store (reserved). */
    CLIENT_CERT_REJECTED("ClientCertRejected", 49),
    /** The certificate cannot be used with the negotiated TLS parameters. */
    CLIENT_CERT_INCOMPATIBLE("ClientCertIncompatible", 40),
    /** Any other handshake failure (protocol error, timeout, reset); the alert is the TLS stack's. */
    UNMAPPED_CONNECTION_ERROR("UnmappedConnectionError", -1);

    private final String logName;
    private final int tlsAlert;

    FailureCode(String logName, int tlsAlert) {
        this.logName = logName;
        this.tlsAlert = tlsAlert;
    }

    /** The name in logs and verifier output, e.g. {@code ClientCertExpired}. */
    public String logName() {
        return logName;
    }

    /** The TLS alert description number sent in verify mode (TLS 1.3 for {@link #CLIENT_CERT_MISSING}); -1: the TLS stack's. */
    public int tlsAlert() {
        return tlsAlert;
    }

    /** Whether the outcome depends on the time of verification (never cached without a re-check). */
    public boolean timeDependent() {
        return this == CLIENT_CERT_EXPIRED || this == CLIENT_CERT_NOT_YET_VALID;
    }

    @Override
    public String toString() {
        return logName;
    }
}
