package dev.gatehouse.ca;

/**
 * The CA cannot do what was asked: its directory is not a CA, a serial is unknown or already revoked,
 * a file of the CA cannot be read. The message says what and where, e.g.
 * {@code "pki/index:7: not-after '2026-13-01': not an ISO-8601 instant"}.
 */
public final class CaException extends Exception {
    private static final long serialVersionUID = 1L;

    public CaException(String message) {
        super(message);
    }

    public CaException(String message, Throwable cause) {
        super(message, cause);
    }
}
