package dev.gatehouse.pki;

/**
 * Certificate material that cannot be used: the message says what is wrong and where (file, position,
 * subject where known), e.g. {@code "certs/ca.pem: certificate #2 (line 23, CN=Partner CA): not a CA"}.
 */
public final class PkiException extends Exception {
    private static final long serialVersionUID = 1L;

    public PkiException(String message) {
        super(message);
    }

    public PkiException(String message, Throwable cause) {
        super(message, cause);
    }
}
