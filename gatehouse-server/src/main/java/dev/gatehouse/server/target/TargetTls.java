package dev.gatehouse.server.target;

import dev.gatehouse.pki.CachingVerifier;
import dev.gatehouse.pki.TrustStore;
import dev.gatehouse.pki.VerificationParameters;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTlsConfig;
import dev.gatehouse.server.config.TlsConfig;
import dev.gatehouse.server.tls.KeyMaterial;
import dev.gatehouse.server.tls.TlsProvider;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS to the targets of an {@code https} group: one client context per group, whose certificate check
 * is Gatehouse's own verifier with purpose {@code server} and a hostname check, against the group's trust
 * store (which may pin a self-signed target certificate), through the same verdict cache that judges
 * client certificates: a target's chain is verified once, not at every new connection.
 * Optionally presents Gatehouse's client certificate ({@code tls.certificate}, {@code tls.private_key}).
 *
 * <h2>Which name is checked</h2>
 * {@code tls.server_name} if set, else the target's host as written in {@code targets}. The same name is
 * sent as SNI (unless it is an IP address) and must be named by the target certificate (DNS SAN, or IP
 * SAN for an address). A refused certificate fails the handshake; the verifier's explanation reaches the
 * access log through {@link TargetTlsException}.
 *
 * <h2>HTTP/2</h2>
 * For a group with {@code protocol_version: http2} or {@code grpc} the context offers ALPN {@code h2}
 * only; a target that does not select it is refused ({@link TargetPool}).
 *
 * <h2>Lifetime</h2>
 * The group's state {@link #close closes} it: with BoringSSL the native context is freed once the last
 * connection made with it has closed too (each holds a reference), not left to a finalizer.
 *
 * <p>Thread-safe.
 */
public final class TargetTls {
    private final SslContext context;
    private final String serverName;
    private final X509Certificate clientCertificate;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TargetTls(SslContext context, String serverName, X509Certificate clientCertificate) {
        this.context = context;
        this.serverName = serverName;
        this.clientCertificate = clientCertificate;
    }

    /** The certificate Gatehouse presents to the targets (its chain's leaf), or {@code null} if none. */
    public X509Certificate clientCertificate() {
        return clientCertificate;
    }

    /**
     * @param store    the trust store named by {@code tls.trust_store}, loaded for target verification
     * @param verdicts the gateway's verdict cache (the one client certificates are judged through)
     * @throws ConfigException naming the key of a client certificate or key that cannot be used
     */
    public static TargetTls build(TargetTlsConfig config, TrustStore store, CachingVerifier verdicts)
            throws ConfigException {
        return build(config, store, verdicts, false);
    }

    /** @param h2 whether connections offer ALPN {@code h2} (and only that) */
    public static TargetTls build(TargetTlsConfig config, TrustStore store, CachingVerifier verdicts, boolean h2)
            throws ConfigException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(TlsProvider.server())
                .protocols("TLSv1.3", "TLSv1.2")
                .trustManager(new Verifying(store, verdicts));
        if (h2) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
        }
        TlsConfig.CertificateKeyPair pair = config.clientCertificate();
        X509Certificate leaf = null;
        if (pair != null) {
            KeyMaterial material = KeyMaterial.load(pair);
            leaf = material.leaf();
            b.keyManager(material.key(), material.chain().toArray(new X509Certificate[0]));
        }
        try {
            return new TargetTls(b.build(), config.serverName(), leaf);
        } catch (Exception e) {
            throw new ConfigException(config.at(), "cannot build TLS to targets: " + e.getMessage(), e);
        }
    }

    /** The name checked against (and sent as SNI to) {@code target}. */
    public String serverName(Target target) {
        return serverName != null ? serverName : target.address().host();
    }

    /** A handler for a new connection to {@code target}. */
    SslHandler newHandler(ByteBufAllocator alloc, Target target) {
        return context.newHandler(alloc, serverName(target), target.address().port());
    }

    /** Gives back the context (connections still open keep it until they close). Idempotent. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            ReferenceCountUtil.release(context);
        }
    }

    /** References to the native context (its own, and one per connection open), or {@code -1} for the JDK's. */
    int references() {
        return context instanceof ReferenceCounted counted ? counted.refCnt() : -1;
    }

    /** Checks target certificates with the gateway's verifier; the peer host of the engine is the name checked. */
    static final class Verifying extends X509ExtendedTrustManager {
        private final TrustStore store;
        private final CachingVerifier verdicts;

        Verifying(TrustStore store, CachingVerifier verdicts) {
            this.store = store;
            this.verdicts = verdicts;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            String host = engine == null ? null : engine.getPeerHost();
            if (host == null) {
                throw new TargetCertificateException("no server name to check the target certificate against");
            }
            Verdict v = verdicts.verify(store, Arrays.asList(chain), VerificationParameters.server(host));
            if (!v.isSuccess()) {
                throw new TargetCertificateException("(" + host + "): " + v.explanation());
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new TargetCertificateException("no server name to check the target certificate against");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new TargetCertificateException("no server name to check the target certificate against");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a target connection never judges client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a target connection never judges client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a target connection never judges client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return store.anchors().toArray(new X509Certificate[0]);
        }
    }
}
