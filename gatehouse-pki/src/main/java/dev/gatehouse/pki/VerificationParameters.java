package dev.gatehouse.pki;

import java.time.Instant;
import java.util.Objects;

/**
 * What a verification checks beyond the trust store.
 *
 * @param purpose {@link Purpose#CLIENT} (default of {@code gatehouse verify}), {@link Purpose#SERVER} or {@link Purpose#ANY}
 * @param hostname for {@link Purpose#SERVER}: the DNS name or IP literal the leaf must name (null: not checked)
 * @param time the instant of validation (null: now)
 * @param maxChainDepth overrides the trust store's depth, leaf and anchor included (null: the store's)
 * @param ignoreLeafExpiry accept a leaf past its notAfter (the listener's {@code ignore_client_certificate_expiry})
 */
public record VerificationParameters(Purpose purpose, String hostname, Instant time, Integer maxChainDepth,
        boolean ignoreLeafExpiry) {
    /** The extended key usage a leaf must allow. */
    public enum Purpose {
        /** TLS client authentication: EKU clientAuth when the leaf has an EKU. */
        CLIENT,
        /** TLS server authentication: EKU serverAuth when the leaf has an EKU; hostname check. */
        SERVER,
        /** No EKU requirement. */
        ANY
    }

    public VerificationParameters {
        Objects.requireNonNull(purpose, "purpose");
        if (maxChainDepth != null && maxChainDepth < 1) {
            throw new IllegalArgumentException("maxChainDepth: " + maxChainDepth + " (expected: >= 1)");
        }
    }

    /** Client verification now, with the store's depth, expiry not ignored. */
    public static VerificationParameters client() {
        return new VerificationParameters(Purpose.CLIENT, null, null, null, false);
    }

    /** Server verification now for {@code hostname} (null: no hostname check). */
    public static VerificationParameters server(String hostname) {
        return new VerificationParameters(Purpose.SERVER, hostname, null, null, false);
    }

    public VerificationParameters withTime(Instant at) {
        return new VerificationParameters(purpose, hostname, at, maxChainDepth, ignoreLeafExpiry);
    }

    public VerificationParameters withMaxChainDepth(Integer depth) {
        return new VerificationParameters(purpose, hostname, time, depth, ignoreLeafExpiry);
    }

    public VerificationParameters withIgnoreLeafExpiry(boolean ignore) {
        return new VerificationParameters(purpose, hostname, time, maxChainDepth, ignore);
    }

    public VerificationParameters withPurpose(Purpose p) {
        return new VerificationParameters(p, hostname, time, maxChainDepth, ignoreLeafExpiry);
    }
}
