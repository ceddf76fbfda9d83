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
            log.warn("BoringSSL (netty-tcnative) could not be loaded ({}); falling back to the JDK TLS provider. "
                    + "Lost: the TLS alert of each client-certificate failure code (the JDK sends its own alerts), "
                    + "OpenSSL cipher and key-exchange names in the connection log, and handshake speed. Session "
                    + "resumption stays off on passthrough and verify listeners (JDK tickets disabled, sessions "
                    + "invalidated after each handshake).",
                    OpenSsl.unavailabilityCause() == null ? "unknown reason" : OpenSsl.unavailabilityCause().toString());
        }
        return SslProvider.JDK;
    }

    public static boolean isBoringSsl() {
        return OpenSsl.isAvailable();
    }
}
