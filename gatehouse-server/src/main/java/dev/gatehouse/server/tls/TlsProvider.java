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

    /** {@link SslProvider#OPENSSL} (BoringSSL) when available, else {@link SslProvider#JDK}. */
    public static SslProvider server() {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        if (!warned) {
            warned = true;
            // Every connection's client certificate is judged afresh: no TLS 1.3 tickets from the JDK either
            // (read once, when the JDK's TLS classes first load; an operator's own setting wins).
            if (System.getProperty("jdk.tls.server.enableSessionTicketExtension") == null) {
                System.setProperty("jdk.tls.server.enableSessionTicketExtension", "false");
            }
            // No SHA-1 or MD5 in CertificateRequest, CertificateVerify or the server's own signatures.
            if (System.getProperty("jdk.tls.server.SignatureSchemes") == null) {
                System.setProperty("jdk.tls.server.SignatureSchemes", String.join(",", ServerTls.SIGNATURE_SCHEMES));
            }
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
     * Restricts a JDK engine's signature schemes to {@code schemes} (JDK 19 and later; earlier ones read
     * {@code jdk.tls.server.SignatureSchemes}, which the fallback sets, when their TLS classes load).
     */
    static void restrictSignatureSchemes(javax.net.ssl.SSLEngine engine, java.util.List<String> schemes) {
        if (SET_SIGNATURE_SCHEMES == null) {
            return;
        }
        javax.net.ssl.SSLParameters p = engine.getSSLParameters();
        try {
            SET_SIGNATURE_SCHEMES.invoke(p, (Object) schemes.toArray(new String[0]));
        } catch (Throwable e) {
            throw new IllegalStateException("cannot restrict the TLS signature schemes: " + e, e);
        }
        engine.setSSLParameters(p);
    }

    public static boolean isBoringSsl() {
        return OpenSsl.isAvailable();
    }
}
