package dev.gatehouse.server.listener;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.headers.IdentityHeaderValues;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.tls.ClientCertificateJudge;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Computes a TLS connection's handshake facts once, when the handshake ends: writes its connection-log
 * line (success or the failure code), and on success stores the {@link ConnectionInfo} on the channel
 * and hands the connection to the listener's HTTP stage by the ALPN protocol. Removes itself.
 */
final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(TlsHandshakeHandler.class);

    private final ListenerRuntime listener;
    private final String traceId;
    private final long acceptedAt;
    /** Whether this connection's connection-log line was written (exactly one per connection). */
    private boolean logged;

    TlsHandshakeHandler(ListenerRuntime listener, String traceId, long acceptedAt) {
        this.listener = listener;
        this.traceId = traceId;
        this.acceptedAt = acceptedAt;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        try {
            handshakeEnded(ctx, done);
        } catch (RuntimeException e) {
            // Never strand a connection half-way: no HTTP stage, no timeouts, no log line.
            logger.warn("{}: closing connection after an unexpected error at the end of its handshake", traceId, e);
            if (!logged) {
                log(ctx, null, -1, null, null, "Failed:UnmappedConnectionError", false);
            }
            ctx.close();
        }
    }

    private void handshakeEnded(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
        long latency = System.nanoTime() - acceptedAt;
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        SSLEngine engine = ssl == null ? null : ssl.engine();
        ClientCertificateJudge judge = listener.tls().judge();
        ClientCertificateJudge.Judgement judgement = judge == null || engine == null ? null : judge.takeJudgement(engine);
        MutualAuthMode mode = listener.mutualAuthentication().mode();
        if (!done.isSuccess()) {
            X509Certificate[] presented = judgement == null ? null : judgement.presented();
            String status;
            if (judgement != null && !judgement.verdict().isSuccess()) {
                status = "Failed:" + judgement.verdict().status();
            } else if (mode == MutualAuthMode.VERIFY && isMissingCertificate(done.cause())) {
                status = "Failed:" + FailureCode.CLIENT_CERT_MISSING.logName();
            } else {
                status = "Failed:UnmappedConnectionError";
            }
            log(ctx, engine, latency, presented, null, status, false);
            ctx.close();
            return;
        }
        SSLSession session = engine.getSession();
        X509Certificate[] chain = peerChain(session);
        listener.tls().handshakeDone(engine);
        ClientIdentity identity = null;
        List<Map.Entry<String, String>> headers = List.of();
        String status = "-";
        if (mode == MutualAuthMode.VERIFY && chain != null) {
            Verdict verdict = judgement == null ? null : judgement.verdict();
            // A cached verdict carries its identity already derived: a returning client costs no parsing.
            identity = verdict != null && verdict.isSuccess() ? verdict.identity()
                    : ClientIdentity.of(Arrays.asList(chain), true);
            headers = IdentityHeaderValues.verified(listener.mutualAuthentication(), identity);
            status = "Success";
        } else if (mode == MutualAuthMode.PASSTHROUGH && chain != null) {
            headers = IdentityHeaderValues.passthrough(listener.mutualAuthentication(), chain);
            if (listener.mutualAuthentication().trustUnverifiedIdentity()) {
                identity = ClientIdentity.of(Arrays.asList(chain), false);
            }
        }
        log(ctx, engine, latency, chain, identity, status, true);
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        ConnectionInfo info = new ConnectionInfo(traceId, client, local, true, headers,
                identity == null || !identity.verified() ? null : identity.subject(), identity);
        ctx.channel().attr(ConnectionInfo.KEY).set(info);
        ctx.pipeline().remove(this);
        if (ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            listener.http().configureHttp2(ctx.pipeline(), info);
        } else {
            listener.http().configureHttp1(ctx.pipeline(), info);
        }
    }

    /**
     * A connection that closes before its handshake ends (connect and close, a partial ClientHello, a
     * timeout that closed it) still gets its one connection-log line.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!logged) {
            log(ctx, null, -1, null, null, "Failed:UnmappedConnectionError", false);
        }
        ctx.fireChannelInactive();
    }

    /**
     * Handshake failures are reported by the completion event (and logged there, with their code); the
     * decoder exception that carries the same failure is not news.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /** @param identity the leaf's identity when already derived (its names are reused), else {@code null} */
    private void log(ChannelHandlerContext ctx, SSLEngine engine, long latency, X509Certificate[] chain,
                     ClientIdentity identity, String status, boolean handshakeDone) {
        logged = true;
        InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        String protocol = null;
        String cipher = null;
        String group = null;
        if (engine != null && handshakeDone) {
            SSLSession s = engine.getSession();
            protocol = s.getProtocol();
            cipher = s.getCipherSuite();
            if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
                long ptr = openssl.sslPointer();
                if (ptr != 0) {
                    cipher = SSL.getCipherForSSL(ptr);
                    try {
                        group = SSL.getGroupName(ptr);
                    } catch (Exception e) {
                        group = null;
                    }
                }
            }
        }
        X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
        boolean showLeaf = leaf != null && listener.mutualAuthentication().mode() != MutualAuthMode.OFF;
        String subject = null;
        String validity = null;
        String serial = null;
        if (showLeaf && identity != null) {
            subject = identity.subject();
            validity = identity.validity();
            serial = identity.serialNumber();
        } else if (showLeaf) {
            subject = CertificateNames.distinguishedName(leaf.getSubjectX500Principal());
            validity = CertificateNames.validity(leaf);
            serial = CertificateNames.serialHex(leaf);
        }
        listener.connectionLog().write(new ConnectionLog.Entry(Instant.now(),
                client == null ? null : client.getAddress().getHostAddress(), client == null ? 0 : client.getPort(),
                local == null ? 0 : local.getPort(), protocol, cipher, handshakeDone ? latency : -1,
                subject, validity, serial, status, traceId, group, listener.config().address().toString()));
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        try {
            Certificate[] certs = session.getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain.length == 0 ? null : chain;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** BoringSSL: PEER_DID_NOT_RETURN_A_CERTIFICATE; JDK: "Empty client certificate chain". */
    private static boolean isMissingCertificate(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("CERTIFICATE_REQUIRED")
                    || m.contains("Empty client certificate chain"))) {
                return true;
            }
        }
        return false;
    }
}
