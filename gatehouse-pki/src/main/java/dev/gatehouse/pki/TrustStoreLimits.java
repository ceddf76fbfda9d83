package dev.gatehouse.pki;

/**
 * The bounds of one trust store (docs/mutual-tls.md, "Limits"); every field documents its default.
 *
 * @param maxChainDepth certificates in a validated path, leaf and anchor included (default 4)
 * @param maxCaCertificateBytes DER size of one CA certificate of the bundle (default 16 KiB)
 * @param maxCaCertificates certificates in the bundle (default 25; a default, not a design bound)
 * @param maxRevocationEntries revoked entries over all CRLs of the store (default 500,000)
 * @param maxCrlFileBytes size of one CRL file (default 50 MiB)
 */
public record TrustStoreLimits(int maxChainDepth, int maxCaCertificateBytes, int maxCaCertificates,
        int maxRevocationEntries, long maxCrlFileBytes) {
    public static final TrustStoreLimits DEFAULTS = new TrustStoreLimits(4, 16 * 1024, 25, 500_000, 50L * 1024 * 1024);

    public TrustStoreLimits {
        if (maxChainDepth < 1) {
            throw new IllegalArgumentException("maxChainDepth: " + maxChainDepth + " (expected: >= 1)");
        }
        if (maxCaCertificateBytes < 1 || maxCaCertificates < 1 || maxRevocationEntries < 0 || maxCrlFileBytes < 1) {
            throw new IllegalArgumentException("limits: " + this + " (expected: positive)");
        }
    }

    public TrustStoreLimits withMaxChainDepth(int depth) {
        return new TrustStoreLimits(depth, maxCaCertificateBytes, maxCaCertificates, maxRevocationEntries, maxCrlFileBytes);
    }

    public TrustStoreLimits withMaxCaCertificates(int count) {
        return new TrustStoreLimits(maxChainDepth, maxCaCertificateBytes, count, maxRevocationEntries, maxCrlFileBytes);
    }

    public TrustStoreLimits withMaxRevocationEntries(int count) {
        return new TrustStoreLimits(maxChainDepth, maxCaCertificateBytes, maxCaCertificates, count, maxCrlFileBytes);
    }
}
