package dev.gatehouse.server.connection;

/**
 * Why a connection's client certificate was refused on a listener whose {@code failure_response} is
 * {@code http}: the handshake completed, and every request of the connection is answered with this
 * instead of being routed.
 *
 * @param status  {@code 496} (no certificate presented) or {@code 495} (it failed verification)
 * @param code    the connection-log failure code, e.g. {@code ClientCertUntrusted}
 * @param step    the verifier's step that failed, e.g. {@code chain}, {@code validity}
 * @param detail  what that step found, in one line
 */
public record CertificateRefusal(int status, String code, String step, String detail) {
    /** 496: the client presented no certificate where one is required. */
    public static final int NO_CERTIFICATE = 496;
    /** 495: the presented certificate failed verification. */
    public static final int CERTIFICATE_ERROR = 495;
}
