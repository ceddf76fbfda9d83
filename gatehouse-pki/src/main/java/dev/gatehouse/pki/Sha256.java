package dev.gatehouse.pki;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 without a provider lookup per use: {@link MessageDigest#getInstance} searches the providers
 * and instantiates by reflection, which cost more than hashing a certificate chain on every handshake.
 * One digest per thread (event loops hash chains concurrently).
 */
final class Sha256 {
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    });

    private Sha256() {
    }

    /** This thread's SHA-256 digest, reset: use it for one hash, without calling back into this class. */
    static MessageDigest digest() {
        MessageDigest md = DIGEST.get();
        md.reset();
        return md;
    }

    static byte[] of(byte[] data) {
        return digest().digest(data);
    }
}
