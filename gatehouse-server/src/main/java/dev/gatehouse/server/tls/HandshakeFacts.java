package dev.gatehouse.server.tls;

import dev.gatehouse.pki.Verdict;
import java.security.cert.X509Certificate;

/**
 * What a TLS handshake established, read once when it ended: the listener stage knows the TLS stack only
 * through this value.
 *
 * @param failure             {@code null} if the handshake succeeded; else the connection-log failure code:
 *                            the verifier's ({@code ClientCertUntrusted}, ...), {@code ClientCertMissing},
 *                            or {@code UnmappedConnectionError}
 * @param protocol            e.g. {@code TLSv1.3} ({@code null} when it failed)
 * @param cipher              the OpenSSL cipher name, e.g. {@code TLS_AES_128_GCM_SHA256} (the JDK's name on
 *                            the JDK provider)
 * @param keyExchange         the key-exchange group, e.g. {@code X25519}, or {@code null} if unknown
 * @param applicationProtocol the ALPN protocol ({@code h2}, {@code http/1.1}) or {@code null}
 * @param peerChain           the client's chain as presented, or {@code null} if none (or unknown)
 * @param verdict             the verifier's verdict on it (verify mode), or {@code null}
 */
public record HandshakeFacts(String failure, String protocol, String cipher, String keyExchange,
                             String applicationProtocol, X509Certificate[] peerChain, Verdict verdict) {

    public boolean succeeded() {
        return failure == null;
    }
}
