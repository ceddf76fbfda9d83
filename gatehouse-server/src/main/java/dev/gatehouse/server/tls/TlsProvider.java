package dev.gatehouse.server.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation handshakes run on: BoringSSL (netty-tcnative) when it loads, else the JDK's,
 * with one warning that names what is lost.
 */
public final class TlsProvider {
    private static final Logger log = LoggerFactory.getLogger(TlsProvider.class);
    private static volatile boolean warned;

    private TlsProvider() {}

    /**
     * The provider of one listener's TLS, and why it is not BoringSSL ({@code null} when it is).
     *
     * @param provider {@link SslProvider#OPENSSL} (BoringSSL) or {@link SslProvider#JDK}
     * @param reason   {@code null} with BoringSSL
     */
    public record Choice(SslProvider provider, String reason) {
        /** For the startup log: which provider serves the listener, and why. */
        public String describe() {
            return provider == SslProvider.OPENSSL ? "TLS by BoringSSL" : "TLS by the JDK: " + reason;
        }
    }

    /**
     * BoringSSL when it is loaded and has every TLS 1.2 suite of {@code tls} (it has no AES-CBC suite with
     * SHA-256 or SHA-384, which {@code tls12-legacy} offers), else the JDK's TLS provider.
     */
    public static Choice forListener(dev.gatehouse.server.config.TlsConfig tls) {
        if (!OpenSsl.isAvailable()) {
            return new Choice(server(), "BoringSSL (netty-tcnative) could not be loaded");
        }
        java.util.List<String> missing = tls.tls12Suites().stream().filter(s -> !OpenSsl.isCipherSuiteAvailable(s))
                .toList();
        if (missing.isEmpty()) {
            return new Choice(SslProvider.OPENSSL, null);
        }
        jdkDefaults();
        return new Choice(SslProvider.JDK, "BoringSSL has no " + String.join(", ", missing)
                + " (policy " + tls.policy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
                + (tls.tls12Suites().equals(tls.policy().tls12Suites()) ? "" : " with tls.ciphers") + ")");
    }

    /**
     * The process-wide settings of the JDK's TLS provider that its engines cannot carry; read once, when the
     * JDK's TLS classes first load (an operator's own setting wins).
     */
    private static void jdkDefaults() {
        // Every connection's client certificate is judged afresh: no TLS 1.3 tickets from the JDK either.
        if (System.getProperty("jdk.tls.server.enableSessionTicketExtension") == null) {
            System.setProperty("jdk.tls.server.enableSessionTicketExtension", "false");
        }
        // No SHA-1 or MD5 in CertificateRequest, CertificateVerify or the server's own signatures.
        if (System.getProperty("jdk.tls.server.SignatureSchemes") == null) {
            System.setProperty("jdk.tls.server.SignatureSchemes", String.join(",", ServerTls.SIGNATURE_SCHEMES));
        }
    }

    /** {@link SslProvider#OPENSSL} (BoringSSL) when available, else {@link SslProvider#JDK}. */
    public static SslProvider server() {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        if (!warned) {
            warned = true;
            jdkDefaults();
            log.warn("BoringSSL (netty-tcnative) could not be loaded ({}); falling back to the JDK TLS provider. "
                    + "Lost: the TLS alert of each client-certificate failure code (the JDK sends its own alerts), "
                    + "OpenSSL cipher and key-exchange names in the connection log, and handshake speed. Session "
                    + "resumption stays off on passthrough and verify listeners (JDK tickets disabled, sessions "
                    + "invalidated after each handshake).",
                    OpenSsl.unavailabilityCause() == null ? "unknown reason" : OpenSsl.unavailabilityCause().toString());
        }
        return SslProvider.JDK;
    }

    private static final java.lang.invoke.MethodHandle SET_SIGNATURE_SCHEMES = signatureSchemesSetter();

    private static java.lang.invoke.MethodHandle signatureSchemesSetter() {
        try {
            return java.lang.invoke.MethodHandles.publicLookup().findVirtual(javax.net.ssl.SSLParameters.class,
                    "setSignatureSchemes", java.lang.invoke.MethodType.methodType(void.class, String[].class));
        } catch (ReflectiveOperationException e) {
            return null; // JDK 17 and 18: the system property set at fallback is what restricts them
        }
    }

    /**
     * Sets up a JDK server engine: the server's order of cipher suites wins, and its signature schemes are
     * {@code schemes}, by constraints that refuse every SHA-1 and MD5 signature (in the CertificateRequest, the
     * client's CertificateVerify and the server's own) and, on JDK 19 and later, by the list itself (earlier
     * ones also read {@code jdk.tls.server.SignatureSchemes} when their TLS classes load).
     */
    static void prepareJdkEngine(javax.net.ssl.SSLEngine engine, java.util.List<String> schemes) {
        javax.net.ssl.SSLParameters p = engine.getSSLParameters();
        p.setUseCipherSuitesOrder(true);
        p.setAlgorithmConstraints(NO_WEAK_SIGNATURES);
        if (SET_SIGNATURE_SCHEMES != null) {
            try {
                SET_SIGNATURE_SCHEMES.invoke(p, (Object) schemes.toArray(new String[0]));
            } catch (Throwable e) {
                throw new IllegalStateException("cannot restrict the TLS signature schemes: " + e, e);
            }
        }
        engine.setSSLParameters(p);
    }

    /** Permits everything but signatures with SHA-1 or MD5 (the JDK's own constraints still apply too). */
    static final java.security.AlgorithmConstraints NO_WEAK_SIGNATURES = new java.security.AlgorithmConstraints() {
        @Override
        public boolean permits(java.util.Set<java.security.CryptoPrimitive> primitives, String algorithm,
                               java.security.AlgorithmParameters parameters) {
            return !primitives.contains(java.security.CryptoPrimitive.SIGNATURE) || !isWeakSignature(algorithm);
        }

        @Override
        public boolean permits(java.util.Set<java.security.CryptoPrimitive> primitives, java.security.Key key) {
            return true;
        }

        @Override
        public boolean permits(java.util.Set<java.security.CryptoPrimitive> primitives, String algorithm,
                               java.security.Key key, java.security.AlgorithmParameters parameters) {
            return permits(primitives, algorithm, parameters);
        }
    };

    /** SHA1withRSA, ecdsa_sha1, rsa_md5, MD5withRSA and the like ({@code null}: a check of the key alone). */
    static boolean isWeakSignature(String algorithm) {
        if (algorithm == null) {
            return false;
        }
        String a = algorithm.toLowerCase(java.util.Locale.ROOT);
        return a.contains("sha1") || a.contains("sha-1") || a.contains("md5");
    }

    public static boolean isBoringSsl() {
        return OpenSsl.isAvailable();
    }
}
