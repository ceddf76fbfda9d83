package dev.gatehouse.server.target;

import javax.net.ssl.SSLException;

/**
 * The TLS handshake with a target failed: given to {@link TargetListener#targetConnectFailed} (none of
 * the request was sent, so another target may be tried). {@link #getMessage()} says why, in words fit
 * for the access log: the verifier's explanation when the target's certificate was refused.
 */
public final class TargetTlsException extends SSLException {
    private static final long serialVersionUID = 1L;

    TargetTlsException(String reason, Throwable cause) {
        super(reason, cause);
    }

    /** The reason for the handshake failure {@code cause}. */
    static TargetTlsException of(Throwable cause) {
        TargetCertificateException refused = TargetCertificateException.find(cause);
        if (refused != null) {
            return new TargetTlsException("target certificate refused " + refused.getMessage(), cause);
        }
        String message = cause == null ? null : cause.getMessage();
        if (message == null) {
            message = cause == null ? "no reason given" : cause.getClass().getSimpleName();
        }
        return new TargetTlsException("target TLS handshake failed: " + message, cause);
    }
}
