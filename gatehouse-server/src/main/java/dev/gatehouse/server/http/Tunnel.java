package dev.gatehouse.server.http;

import dev.gatehouse.server.headers.HopByHopHeaders;
import dev.gatehouse.server.target.TargetConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket connection through Gatehouse: the opening handshake is a request like any other (admitted,
 * stripped of spoofable headers, routed, given the identity headers), forwarded to an {@code http1}
 * target as an HTTP/1.1 {@code Upgrade: websocket}; once the target answers {@code 101}, both sides
 * carry raw bytes until one of them closes or nothing passes for {@code timeouts.tunnel_idle}.
 *
 * <h2>Clients</h2>
 * An HTTP/1.1 client sent the {@code Upgrade} itself and gets the target's {@code 101}; its connection
 * then leaves HTTP (codec and HTTP timeouts removed). An HTTP/2 client opened a stream with an extended
 * CONNECT (RFC 8441, {@code :protocol websocket}; Gatehouse advertises
 * {@code SETTINGS_ENABLE_CONNECT_PROTOCOL}): the target gets an HTTP/1.1 {@code Upgrade} with a key of
 * Gatehouse's own, and the client a {@code 200}; the stream's DATA frames carry the bytes.
 *
 * <h2>Backpressure</h2>
 * As for bodies: each side is read only while the other can take what is read.
 *
 * <h2>Access log</h2>
 * One line when the tunnel ends: status {@code 101} ({@code 200} on HTTP/2), the bytes each way, the
 * duration of the whole tunnel, and why it ended ({@code tunnel closed by the client}, {@code tunnel
 * closed by the target}, {@code tunnel idle timeout}).
 *
 * <h2>Threading</h2>
 * The client channel's event loop, which is also the target connection's.
 */
final class Tunnel {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ProxyHandler handler;
    private final Exchange ex;
    private final TargetConnection conn;
    private boolean waitingClientWritable;
    private boolean waitingTargetWritable;

    private Tunnel(ProxyHandler handler, Exchange ex, TargetConnection conn) {
        this.handler = handler;
        this.ex = ex;
        this.conn = conn;
    }

    // ---- the opening handshake ---------------------------------------------------------------------

    /** Whether an HTTP/1.1 request with {@code Upgrade: upgrade} is a WebSocket opening handshake. */
    static boolean isWebSocketUpgrade(HttpRequest req, String upgrade) {
        return HttpMethod.GET.equals(req.method()) && "websocket".equalsIgnoreCase(upgrade.trim());
    }

    /**
     * An HTTP/2 CONNECT: if it is an extended CONNECT for WebSocket, turns it into the HTTP/1.1 opening
     * handshake ({@code GET} of its {@code :path}, with a {@code Sec-WebSocket-Key}) and returns {@code true}.
     */
    static boolean fromExtendedConnect(HttpRequest req, Exchange ex) {
        HttpHeaders h = req.headers();
        String protocol = h.get(ExtensionHeaderNames.PROTOCOL.text());
        String path = h.get(ExtensionHeaderNames.PATH.text());
        if (protocol == null || path == null || !"websocket".equalsIgnoreCase(protocol)) {
            return false;
        }
        h.remove(ExtensionHeaderNames.PROTOCOL.text());
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        req.setMethod(HttpMethod.GET);
        req.setUri(path);
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        h.set(HttpHeaderNames.SEC_WEBSOCKET_KEY, Base64.getEncoder().encodeToString(key));
        if (!h.contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)) {
            h.set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
        }
        ex.websocket = true;
        ex.requestComplete = true; // what follows the head is the tunnel's, read once it is open
        return true;
    }

    /** The forwarded handshake's hop-by-hop headers (removed with the client's, which were not Gatehouse's). */
    static void upgradeHeaders(HttpHeaders forwarded) {
        forwarded.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        forwarded.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
    }

    /**
     * The target accepted the handshake ({@code 101}, which {@code r} is and this releases): answers the
     * client, switches both sides to bytes and hands the handler its tunnel; {@link #start()} relays.
     */
    static Tunnel open(ProxyHandler handler, Exchange ex, HttpResponse r) {
        ChannelHandlerContext ctx = handler.ctx;
        HttpHeaders headers = r.headers();
        HopByHopHeaders.strip(headers);
        HttpResponse answer;
        if (handler.h2) {
            headers.remove(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT);
            answer = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers);
        } else {
            upgradeHeaders(headers);
            answer = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS,
                    Unpooled.EMPTY_BUFFER, headers, HttpHeaders.EMPTY_HEADERS);
        }
        ReferenceCountUtil.release(r);
        ex.responseStarted = true;
        handler.log.status = answer.status().code();
        handler.log.targetEndNanos = System.nanoTime();
        ctx.writeAndFlush(answer, ctx.voidPromise());

        Tunnel t = new Tunnel(handler, ex, ex.conn);
        handler.tunnel = t; // from now on, what either side reads is the tunnel's
        ChannelPipeline client = ctx.pipeline();
        for (String name : new String[] {"http-timeouts", "http-codec", "http-body-timeout"}) {
            if (client.get(name) != null) {
                client.remove(name);
            }
        }
        client.addBefore(ctx.name(), "tunnel-idle",
                new IdleStateHandler(0, 0, handler.stage.tunnelIdleNanos(), TimeUnit.NANOSECONDS));
        // Whatever the target sent after its 101 comes out of the removed codec as bytes.
        ChannelPipeline target = t.conn.channel().pipeline();
        if (target.get("http-codec") != null) {
            target.remove("http-codec");
        }
        return t;
    }

    /** Starts reading both sides (after {@link #open}, once the handler knows the tunnel). */
    void start() {
        handler.ctx.read();
        conn.read();
    }

    // ---- bytes both ways ---------------------------------------------------------------------------

    void fromClient(Object msg) {
        ByteBuf bytes = bytes(msg);
        boolean end = msg instanceof LastHttpContent;
        if (bytes == null) {
            ReferenceCountUtil.release(msg);
        } else {
            handler.log.bytesReceived += bytes.readableBytes();
            conn.write(bytes.retain());
            ReferenceCountUtil.release(msg);
        }
        if (end) {
            conn.flush();
            end("tunnel closed by the client");
        }
    }

    void clientReadComplete() {
        conn.flush();
        if (conn.isWritable()) {
            handler.ctx.read();
        } else {
            waitingTargetWritable = true;
        }
    }

    void clientWritable() {
        if (waitingClientWritable) {
            waitingClientWritable = false;
            conn.read();
        }
    }

    void fromTarget(Object msg) {
        ByteBuf bytes = bytes(msg);
        if (bytes == null || !bytes.isReadable()) {
            ReferenceCountUtil.release(msg); // the end of the 101 head
            return;
        }
        handler.log.bytesSent += bytes.readableBytes();
        ChannelHandlerContext ctx = handler.ctx;
        bytes.retain();
        ReferenceCountUtil.release(msg);
        ctx.write(handler.h2 ? new DefaultHttpContent(bytes) : bytes, ctx.voidPromise());
    }

    void targetReadComplete() {
        ChannelHandlerContext ctx = handler.ctx;
        ctx.flush();
        if (ctx.channel().isWritable()) {
            conn.read();
        } else {
            waitingClientWritable = true;
        }
    }

    void targetWritable() {
        if (waitingTargetWritable) {
            waitingTargetWritable = false;
            handler.ctx.read();
        }
    }

    // ---- the end -----------------------------------------------------------------------------------

    /** The target closed its side: what it sent reaches the client, then the client side ends. */
    void targetClosed() {
        ex.conn = null;
        ex.target.requestFinished();
        handler.endTunnel(ex, "tunnel closed by the target", closing());
    }

    /** Nothing passed for {@code tunnel_idle}. */
    void idle() {
        end("tunnel idle timeout");
    }

    private void end(String reason) {
        TargetSide.drop(ex);
        handler.endTunnel(ex, reason, closing());
    }

    /** The last write to the client: nothing on HTTP/1.1 (the connection closes), END_STREAM on HTTP/2. */
    private Object closing() {
        return handler.h2 ? LastHttpContent.EMPTY_LAST_CONTENT : Unpooled.EMPTY_BUFFER;
    }

    private static ByteBuf bytes(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b;
        }
        return msg instanceof ByteBufHolder h ? h.content() : null;
    }
}
