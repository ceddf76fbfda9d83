package dev.gatehouse.clientcert;

/**
 * A forwarded-certificate header value that cannot be decoded.
 *
 * <p>This is the only exception the decoders throw for bad input: a value is either decoded exactly
 * or rejected, never turned into a different certificate. The message says what was found, where
 * and what was expected, e.g. {@code "invalid base64 character ' ' at offset 97 (expected: A-Z a-z
 * 0-9 + / =); was the value form-decoded, turning '+' into a space?"}.
 *
 * <p>{@link #offset()} is the position in the header value as received (before any percent-decoding
 * or unquoting) of the character where the problem was found; for problems with the value as a
 * whole (empty, no certificate) it is 0 or the position where more input was expected.
 */
public final class ForwardedClientCertException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int offset;
    private final String reason;

    /**
     * @param message what was wrong and what was expected; the offset is appended
     * @param offset  position in the header value as received, {@code >= 0}
     */
    public ForwardedClientCertException(String message, int offset) {
        this(message, offset, null);
    }

    /**
     * @param message what was wrong and what was expected; the offset is appended
     * @param offset  position in the header value as received, {@code >= 0}
     * @param cause   the underlying parser failure, may be {@code null}
     */
    public ForwardedClientCertException(String message, int offset, Throwable cause) {
        super(message + " (at offset " + offset + ")", cause);
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        this.offset = offset;
        this.reason = message;
    }

    /** The message without its offset, for readers that say where in their own terms (a file's line). */
    String reason() {
        return reason;
    }

    /** Position in the header value as received where the problem was found. */
    public int offset() {
        return offset;
    }
}
