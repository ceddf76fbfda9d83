package dev.gatehouse.server.tls;

import dev.gatehouse.pki.FailureCode;
import io.netty.internal.tcnative.CertificateVerifier;

/**
 * Maps a client-certificate failure code to the X.509 verification error that BoringSSL turns into the
 * TLS alert of docs/mutual-tls.md's table ({@code SSL_alert_from_verify_result}):
 * <pre>
 *   ClientCertUntrusted, ClientCertMaxChainDepthExceeded  -> unknown_ca (48)
 *   ClientCertExpired, ClientCertNotYetValid               -> certificate_expired (45)
 *   ClientCertCrlHit                                       -> certificate_revoked (44)
 *   ClientCertCrlProcessingError                           -> certificate_unknown (46)
 *   ClientCertPurposeInvalid, ClientCertTypeUnsupported    -> unsupported_certificate (43)
 *   ClientCertInvalid, ClientCertMaxSizeExceeded           -> bad_certificate (42)
 *   ClientCertIncompatible                                 -> handshake_failure (40)
 *   ClientCertRejected                                     -> bad_certificate (42): no verification error
 *                                                             maps to access_denied (49) in BoringSSL
 * </pre>
 * {@code ClientCertMissing} never gets here: BoringSSL itself refuses a handshake without a certificate
 * when one is required ({@code certificate_required} in TLS 1.3, {@code handshake_failure} in TLS 1.2).
 */
public final class FailureAlerts {
    private FailureAlerts() {}

    public static int verifyError(FailureCode code) {
        return switch (code) {
            case CLIENT_CERT_UNTRUSTED -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED -> CertificateVerifier.X509_V_ERR_CERT_CHAIN_TOO_LONG;
            case CLIENT_CERT_EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case CLIENT_CERT_NOT_YET_VALID -> CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID;
            case CLIENT_CERT_CRL_HIT -> CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            // Not in BoringSSL's table, so it falls to its default: certificate_unknown.
            case CLIENT_CERT_CRL_PROCESSING_ERROR -> CertificateVerifier.X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION;
            case CLIENT_CERT_PURPOSE_INVALID, CLIENT_CERT_TYPE_UNSUPPORTED -> CertificateVerifier.X509_V_ERR_INVALID_PURPOSE;
            case CLIENT_CERT_INVALID, CLIENT_CERT_MAX_SIZE_EXCEEDED, CLIENT_CERT_REJECTED ->
                    CertificateVerifier.X509_V_ERR_CERT_REJECTED;
            case CLIENT_CERT_INCOMPATIBLE -> CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION;
            default -> CertificateVerifier.X509_V_ERR_UNSPECIFIED;
        };
    }
}
