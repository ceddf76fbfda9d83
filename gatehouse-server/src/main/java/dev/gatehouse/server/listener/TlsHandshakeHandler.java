package dev.gatehouse.server.listener;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.MutualAuthConfig.MutualAuthMode;
import dev.gatehouse.server.connection.CertificateRefusal;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.connection.ServerNames;
import dev.gatehouse.server.headers.IdentityHeaderValues;
import dev.gatehouse.server.http.LingeringClose;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.observe.ListenerTelemetry;
import dev.gatehouse.server.tls.HandshakeFacts;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Computes a TLS connection's handshake facts once, when the handshake ends: writes its connection-log
 * line (success or the failure code), and on success stores the {@link ConnectionInfo} on the channel
 * and hands the connection to the listener's HTTP stage by the ALPN protocol. Removes itself.
 */
final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(TlsHandshakeHandler.class);
    private static final String FAILED = "Failed:";

    private final ListenerRuntime listener;
    private final String traceId;
    private final long acceptedAt;
    private final JudgedConnections judged;
    /** Whether this connection's connection-log line was written (exactly one per connection). */
    private boolean logged;
    /** The mutual authentication of the policy the handshake was made under (the listener's own until known). */
    private MutualAuthConfig mutualAuth;

    TlsHandshakeHandler(ListenerRuntime listener, String traceId, long acceptedAt, JudgedConnections judged) {
        this.listener = listener;
        this.traceId = traceId;
        this.acceptedAt = acceptedAt;
        this.judged = judged;
        this.mutualAuth = listener.mutualAuthentication();
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
                log(ctx, null, -1, null, "Failed:UnmappedConnectionError");
            }
            ctx.close();
        }
    }

    private void handshakeEnded(ChannelHandlerContext ctx, SslHandshakeCompletionEvent done) {
        long latency = System.nanoTime() - acceptedAt;
        ServerNamePolicy policy = ListenerInitializer.policyOf(ctx.channel(), listener);
        mutualAuth = policy.mutualAuthentication();
        HandshakeFacts facts = policy.tls().handshakeEnded(ctx.pipeline().get(SslHandler.class),
                done.isSuccess() ? null : done.cause());
        if (!facts.succeeded()) {
            log(ctx, facts, -1, null, "Failed:" + facts.failure());
            // The alert is written; the client may have sent its Finished and a request behind its
            // certificate, unread here. Linger, so that the kernel does not reset the connection under
            // the alert (the client would see "connection reset" instead of the reason), but only for a
            // client's late bytes (64 KiB), not for a hostile one that keeps sending. SslHandler's own
            // close, which follows this event, passes through it too.
            LingeringClose.addTo(ctx.pipeline(), 64 * 1024);
            ctx.close();
            return;
        }
        MutualAuthMode mode = mutualAuth.mode();
        X509Certificate[] chain = facts.peerChain();
        Verdict verdict = facts.verdict();
        ClientIdentity identity = null;
        List<Map.Entry<String, String>> headers = List.of();
        CertificateRefusal refusal = null;
        String status = "-";
        if (mutualAuth.verifies() && chain != null && verdict != null && !verdict.isSuccess()) {
            // failure_response: http: the handshake completed, every request is answered with 495.
            Verdict.Step failed = verdict.steps().stream().filter(s -> s.outcome() == Verdict.Outcome.FAIL)
                    .findFirst().orElse(null);
            refusal = new CertificateRefusal(CertificateRefusal.CERTIFICATE_ERROR, verdict.status(),
                    failed == null ? "-" : failed.name(), failed == null ? verdict.explanation() : failed.detail());
            status = "Failed:" + verdict.status();
        } else if (mutualAuth.verifies() && chain != null) {
            // A cached verdict carries its identity already derived: a returning client costs no parsing.
            identity = verdict != null && verdict.isSuccess() ? verdict.identity()
                    : ClientIdentity.of(Arrays.asList(chain), true);
            headers = IdentityHeaderValues.verified(mutualAuth, identity, chain);
            status = "Success";
        } else if (mode == MutualAuthMode.VERIFY) {
            // failure_response: http and no certificate: every request is answered with 496.
            refusal = new CertificateRefusal(CertificateRefusal.NO_CERTIFICATE, FailureCode.CLIENT_CERT_MISSING.logName(),
                    "parse", "no certificate presented");
            status = "Failed:" + refusal.code();
        } else if (mode == MutualAuthMode.PASSTHROUGH && chain != null) {
            headers = IdentityHeaderValues.passthrough(mutualAuth, chain);
            if (mutualAuth.trustUnverifiedIdentity()) {
                identity = ClientIdentity.of(Arrays.asList(chain), false);
            }
        }
        log(ctx, facts, latency, identity, status);
        InetSocketAddress client = ConnectionInfo.clientAddress(ctx.channel());
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        ServerNames.Selection serverName = listener.serverNames() == null ? null
                : new ServerNames.Selection(listener.serverNames(), policy.number());
        ConnectionInfo info = new ConnectionInfo(traceId, client, local, true, headers,
                identity == null || !identity.verified() ? null : identity.subject(), identity, serverName, refusal);
        ctx.channel().attr(ConnectionInfo.KEY).set(info);
        ctx.pipeline().remove(this);
        if (ApplicationProtocolNames.HTTP_2.equals(facts.applicationProtocol())) {
            listener.http().configureHttp2(ctx.pipeline(), info);
        } else {
            listener.http().configureHttp1(ctx.pipeline(), info);
        }
        if (identity != null && identity.verified() && judged != null) {
            judged.register(ctx.channel(), traceId, listener, policy, chain, verdict);
        }
    }

    /**
     * A connection that closes before its handshake ends (connect and close, a partial ClientHello, a
     * timeout that closed it) still gets its one connection-log line.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!logged) {
            log(ctx, null, -1, null, "Failed:UnmappedConnectionError");
        }
        ctx.fireChannelInactive();
    }

    /**
     * Handshake failures are reported by the completion event (and logged there, with their code); the
     * decoder exception that carries the same failure is not news. Neither is a connection reset or broken
     * by the client before its handshake ended (scanners, probes, clients giving up): its connection-log
     * line, written when it closes, is the record of it, and no stack trace is.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException) {
            ctx.close();
            return;
        }
        if (cause instanceof IOException && !(cause instanceof javax.net.ssl.SSLException)) {
            logger.debug("{}: connection failed during its handshake: {}", traceId, cause.toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    /**
     * Writes the connection's one line.
     *
     * @param facts    the handshake's facts, or {@code null} if it never ended
     * @param latency  handshake duration in nanoseconds, or {@code -1} when it did not complete
     * @param identity the leaf's identity when already derived (its names are reused), else {@code null}
     */
    private void log(ChannelHandlerContext ctx, HandshakeFacts facts, long latency, ClientIdentity identity,
                     String status) {
        logged = true;
        InetSocketAddress client = ConnectionInfo.clientAddress(ctx.channel());
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        X509Certificate[] chain = facts == null ? null : facts.peerChain();
        X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
        boolean showLeaf = leaf != null && mutualAuth.mode() != MutualAuthMode.OFF;
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
        String explanation = null;
        ListenerTelemetry telemetry = listener.telemetry();
        if (telemetry != null) {
            String failure = status.startsWith(FAILED) ? status.substring(FAILED.length()) : null;
            telemetry.handshakeEnded(failure, latency);
            if (failure != null) {
                explanation = telemetry.handshakeRejected(client, failure, facts == null ? null : facts.verdict(), leaf);
            }
        }
        listener.connectionLog().write(new ConnectionLog.Entry(Instant.now(),
                client == null ? null : client.getAddress().getHostAddress(), client == null ? 0 : client.getPort(),
                local == null ? 0 : local.getPort(), facts == null ? null : facts.protocol(),
                facts == null ? null : facts.cipher(), latency, subject, validity, serial, status, traceId,
                facts == null ? null : facts.keyExchange(), listener.config().address().toString(), explanation));
    }
}
