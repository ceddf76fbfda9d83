package dev.gatehouse.server.listener;

import dev.gatehouse.clientcert.servlet.CidrBlock;
import dev.gatehouse.server.config.ProxyProtocolConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.observe.ConnectionLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the PROXY protocol header (version 1 or 2, Netty's {@link HAProxyMessageDecoder}) at the start of
 * a connection from an L4 balancer, before anything else (TLS included), and makes its source address
 * the client's ({@link ConnectionInfo#PROXIED_CLIENT}). Then it removes itself and lets the listener's
 * pipeline go on ({@code next}).
 *
 * <h2>Refusals</h2>
 * Each closes the connection and writes its connection-log line, with the peer's own address and
 * {@code -} for every TLS field:
 * <ul>
 *   <li>{@code Failed:ProxyProtocolUntrustedSource}: the peer is outside {@code trusted_sources} (refused
 *       at accept, before a byte is read);</li>
 *   <li>{@code Failed:ProxyProtocolMissing}: the first bytes are not a PROXY signature (a client talking
 *       TLS or HTTP directly), or no complete header came within the listener's {@code request_head}
 *       timeout, or the connection closed first;</li>
 *   <li>{@code Failed:ProxyProtocolInvalid}: a PROXY signature followed by a header that does not parse.</li>
 * </ul>
 * A v2 {@code LOCAL} header (a balancer's health check) and a v1 {@code UNKNOWN} one are accepted: the
 * connection goes on with the peer's own address, so that a health check that goes on to a TLS handshake
 * or an HTTP request gets a real answer.
 */
final class ProxyProtocolReader extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProxyProtocolReader.class);

    static final String UNTRUSTED = "ProxyProtocolUntrustedSource";
    static final String MISSING = "ProxyProtocolMissing";
    static final String INVALID = "ProxyProtocolInvalid";

    /** The 12-byte signature of version 2. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** How a version 1 header starts. */
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);

    private final ListenerRuntime listener;
    private final String traceId;
    private final Runnable next;
    private ScheduledFuture<?> timeout;
    /** The header was read, or the connection refused: nothing more to do or log. */
    private boolean done;

    private ProxyProtocolReader(ListenerRuntime listener, String traceId, Runnable next) {
        this.listener = listener;
        this.traceId = traceId;
        this.next = next;
    }

    /** The trusted sources of a listener, parsed once per runtime state. */
    record Policy(List<CidrBlock> trustedSources) {
        /** The policy of {@code config}, or {@code null} when the listener expects no header. */
        static Policy of(ProxyProtocolConfig config) {
            if (config == null || !config.required()) {
                return null;
            }
            List<CidrBlock> blocks = new ArrayList<>();
            for (String s : config.trustedSources()) {
                blocks.add(CidrBlock.parse(s));
            }
            return new Policy(List.copyOf(blocks));
        }

        boolean trusts(InetAddress peer) {
            for (CidrBlock b : trustedSources) {
                if (b.contains(peer)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Puts the reader first in {@code ch}'s pipeline, or refuses the connection at once when its peer is
     * not a trusted source. {@code next} sets up the rest of the pipeline once the header is read.
     */
    static void install(Channel ch, ListenerRuntime listener, Policy policy, String traceId, Runnable next) {
        InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
        if (peer == null || peer.getAddress() == null || !policy.trusts(peer.getAddress())) {
            refused(ch, listener, traceId, UNTRUSTED, "the peer is not one of proxy_protocol.trusted_sources");
            ch.close();
            return;
        }
        ProxyProtocolReader reader = new ProxyProtocolReader(listener, traceId, next);
        ChannelPipeline p = ch.pipeline();
        p.addLast("proxy-protocol-signature", reader.new Signature());
        p.addLast("proxy-protocol-decoder", new HAProxyMessageDecoder());
        p.addLast("proxy-protocol", reader);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = listener.config().timeouts().requestHead().toMillis();
        timeout = ctx.executor().schedule(() -> fail(ctx, MISSING, "no complete PROXY protocol header within "
                + millis + "ms"), millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            // Nothing passes the decoder before its header; anything else is not ours to forward.
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (done) {
                return;
            }
            done = true;
            InetSocketAddress client = clientOf(header);
            if (client != null) {
                ctx.channel().attr(ConnectionInfo.PROXIED_CLIENT).set(client);
            }
        } finally {
            header.release();
        }
        ChannelPipeline p = ctx.pipeline();
        if (p.get(Signature.class) != null) {
            p.remove(Signature.class);
        }
        p.remove(this);
        // The decoder removes itself when this returns and hands what followed the header to what next adds.
        next.run();
    }

    /** The client a header names; {@code null} for a balancer's own connection (LOCAL, UNKNOWN, not TCP). */
    static InetSocketAddress clientOf(HAProxyMessage header) {
        HAProxyProxiedProtocol proto = header.proxiedProtocol();
        if (header.command() != HAProxyCommand.PROXY || header.sourceAddress() == null
                || (proto != HAProxyProxiedProtocol.TCP4 && proto != HAProxyProxiedProtocol.TCP6)) {
            return null;
        }
        // An IP literal (the decoder checked it): no name is ever resolved.
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        return address == null ? null : new InetSocketAddress(address, header.sourcePort());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable problem = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (done) {
            // The decoder tries what is left again when a refused connection closes: already logged.
            if (!(problem instanceof HAProxyProtocolException)) {
                ctx.fireExceptionCaught(cause);
            }
            return;
        }
        if (problem instanceof HAProxyProtocolException) {
            fail(ctx, INVALID, "invalid PROXY protocol header: " + problem.getMessage());
        } else if (problem instanceof IOException) {
            fail(ctx, MISSING, "the connection failed before its PROXY protocol header: " + problem);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            fail(ctx, MISSING, "the connection closed before a complete PROXY protocol header");
        }
        ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, String code, String why) {
        if (done) {
            return;
        }
        done = true;
        refused(ctx.channel(), listener, traceId, code, why);
        ctx.close();
    }

    private static void refused(Channel ch, ListenerRuntime listener, String traceId, String code, String why) {
        InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
        InetSocketAddress local = (InetSocketAddress) ch.localAddress();
        log.info("{}: listener {} refused the connection from {}: {} ({})", traceId, listener.name(),
                peer == null ? "?" : NetUtil.toSocketAddressString(peer), why, code);
        listener.connectionLog().write(ConnectionLog.Entry.withoutTls(peer, local == null ? 0 : local.getPort(),
                "Failed:" + code, traceId, listener.config().address().toString(), why));
    }

    /**
     * Checks the first bytes against both signatures as they arrive, so that a client that skipped the
     * balancer (its ClientHello or request line) is told apart from a malformed header at once, without
     * waiting for the decoder to fail. Removes itself once a signature's first bytes have matched.
     */
    private final class Signature extends ChannelInboundHandlerAdapter {
        private int seen;
        private boolean v1 = true;
        private boolean v2 = true;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf in) {
                for (int i = in.readerIndex(); i < in.writerIndex() && seen < V2_SIGNATURE.length; i++, seen++) {
                    byte b = in.getByte(i);
                    v1 &= seen >= V1_SIGNATURE.length || b == V1_SIGNATURE[seen];
                    v2 &= b == V2_SIGNATURE[seen];
                }
                if (!v1 && !v2) {
                    in.release();
                    fail(ctx, MISSING, "the connection did not start with a PROXY protocol header");
                    return;
                }
                if (seen >= V2_SIGNATURE.length) {
                    ctx.pipeline().remove(this);
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
