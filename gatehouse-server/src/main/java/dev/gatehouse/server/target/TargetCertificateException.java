package dev.gatehouse.server.target;

import java.security.cert.CertificateException;

/**
 * A target's certificate was refused by the verifier; the message is the verifier's explanation
 * (e.g. the hostname it did not name, or the missing trust anchor), which the access log repeats.
 */
public final class TargetCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;

    TargetCertificateException(String explanation) {
        super(explanation);
    }

    /** The first {@code TargetCertificateException} in {@code t}'s causes, or {@code null}. */
    static TargetCertificateException find(Throwable t) {
        for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
            if (t instanceof TargetCertificateException e) {
                return e;
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof TargetCertificateException e) {
                    return e;
                }
            }
        }
        return null;
    }
}
