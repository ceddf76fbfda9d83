package dev.gatehouse.server.http;

import dev.gatehouse.server.config.TargetGroupConfig.ProtocolVersion;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.headers.BodyFraming;
import dev.gatehouse.server.headers.ForwardedHeaders;
import dev.gatehouse.server.headers.HopByHopHeaders;
import dev.gatehouse.server.http.Exchange.State;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.routing.Action;
import dev.gatehouse.server.routing.Route;
import dev.gatehouse.server.target.TargetConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.Attribute;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Proxies the requests of one HTTP/1.1 connection, or of one HTTP/2 stream, to targets: the one handler
 * of the request path, fed {@code HttpObject}s by {@code HttpServerCodec} or
 * {@code Http2StreamFrameToHttpObjectCodec}.
 *
 * <h2>One exchange</h2>
 * A request head starts a new {@link Exchange}. {@link RequestAdmission} checks it (limits,
 * {@code Upgrade}, {@code CONNECT}), strips its spoofable and hop-by-hop headers and normalises it; it is
 * routed, and then either answered by Gatehouse ({@link LocalResponses}: fixed response, redirect, deny,
 * errors) or forwarded: a connection to a target of the chosen group is taken from the pool of this event
 * loop by {@link TargetSide} (or opened; a target that cannot be connected is followed by the next one,
 * since none of the request reached it), the head goes out with Gatehouse's headers and
 * {@link BodyFraming}, and body and response stream through. The exchange's {@link Exchange.State} says
 * which of these it is in; this handler owns the client side, {@link TargetSide} the target side.
 *
 * <h2>Backpressure</h2>
 * Neither side reads on its own (auto-read off). The client is asked for more of the request only while
 * the target connection is writable, and the target for more of the response only while the client side
 * is writable; a side that stops being writable resumes the other when {@code channelWritabilityChanged}
 * says it drained. Nothing is aggregated: memory per exchange stays at about one read on each side.
 *
 * <h2>Retries</h2>
 * Only when none of the request reached a target: a failed connect, or a pooled connection found closed
 * when taken (the pool checks). Once the head is written, a failure is answered with 502/504 (or, once
 * the response started, by closing the connection or resetting the stream) and never replayed. A request
 * body the decoder cannot read (a bad chunk) is never completed towards the target: the target connection
 * is dropped and the client gets 400 (or, once the response started, its connection closes).
 *
 * <h2>Pipelining</h2>
 * HTTP/1.1 requests are handled one at a time: what the decoder produces while an exchange is busy waits
 * in a small queue (at most one read's worth, since no read is asked for meanwhile).
 *
 * <h2>Threading</h2>
 * Everything runs on the client channel's event loop, which is also the target connection's, so no field
 * needs to be volatile.
 */
final class ProxyHandler extends ChannelDuplexHandler {
    // Package-private fields and methods are what TargetSide, this handler's target side, works with.
    final HttpStage stage;
    private final ConnectionInfo info;
    private final ForwardedHeaders forwarded;
    final boolean h2;
    /** One access-log entry per connection, started again by each request. */
    final AccessLog.Entry log = new AccessLog.Entry();
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(4);
    private final TargetSide targetSide = new TargetSide(this);
    private final ChannelFutureListener writtenLast;

    ChannelHandlerContext ctx;
    /** The client connection: this channel, or for an HTTP/2 stream its parent (if it has one). */
    private Channel connection;
    /** The connection's close reason ({@link HttpStage#closeGracefully}), held so a response does not look it up. */
    private Attribute<String> closeReason;
    private ClientTimeouts timeouts;

    /** The exchange in progress; {@code null} between requests. */
    private Exchange exchange;
    /** The WebSocket tunnel this connection (or stream) became, or {@code null}. */
    Tunnel tunnel;
    /** The connection (or stream) is closing: whatever still arrives is dropped. */
    private boolean closed;

    ProxyHandler(HttpStage stage, ConnectionInfo info, ForwardedHeaders forwarded, boolean h2) {
        this.stage = stage;
        this.info = info;
        this.forwarded = forwarded;
        this.h2 = h2;
        this.writtenLast = f -> stage.requestFinished();
        log.traceId = info.traceId();
        log.client = forwarded.clientIp().indexOf(':') >= 0
                ? "[" + forwarded.clientIp() + "]:" + info.client().getPort()
                : forwarded.clientIp() + ":" + info.client().getPort();
        log.clientSubject = info.clientSubject();
    }

    /** The exchange in progress, or {@code null} between requests. */
    Exchange exchange() {
        return exchange;
    }

    // ---- client side -------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timeouts = h2 ? null : ctx.pipeline().get(ClientTimeouts.class);
        Channel parent = ctx.channel().parent();
        this.connection = h2 && parent != null ? parent : ctx.channel();
        this.closeReason = HttpStage.closeReasonOf(connection);
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        targetSide.stopResponseTimer();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel != null) {
            tunnel.fromClient(msg);
            return;
        }
        if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!inbound.isEmpty() || !accepts(msg)) {
            inbound.add(msg);
            return;
        }
        handle(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            tunnel.clientReadComplete();
            return;
        }
        Exchange ex = exchange;
        if (ex != null && ex.conn != null) {
            ex.conn.flush();
        }
        requestMore();
        if (in(State.DISCARDING) != null && inbound.isEmpty()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (tunnel != null && ctx.channel().isWritable()) {
            tunnel.clientWritable();
        }
        Exchange ex = exchange;
        if (ctx.channel().isWritable() && ex != null && ex.waitingClientWritable) {
            ex.waitingClientWritable = false;
            if (ex.conn != null && ex.state == State.STREAMING) {
                ex.conn.read();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HttpStage.DRAIN) {
            if (!h2 && !closed && exchange == null && inbound.isEmpty()) {
                ctx.close();
            }
            return;
        }
        if (evt instanceof IdleStateEvent && tunnel != null) {
            tunnel.idle();
            return;
        }
        if (evt == HttpStage.REQUEST_BODY_TIMEOUT) {
            requestBodyTimedOut();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The client stopped sending the request body (see {@link #abandonBody}). */
    private void requestBodyTimedOut() {
        Exchange ex = exchange;
        if (closed || ex == null || ex.requestComplete) {
            return;
        }
        abandonBody(ex, HttpResponseStatus.REQUEST_TIMEOUT, "request body timeout");
    }

    /**
     * The rest of the request body will not come (it stopped arriving, or the decoder could not read a
     * chunk): the request ends ({@code status} and close, or RST_STREAM on HTTP/2; a response already
     * under way is cut off) and the target connection, holding half a request, is closed rather than
     * pooled, so the target never sees the body end.
     */
    private void abandonBody(Exchange ex, HttpResponseStatus status, String reason) {
        ex.keepAlive = false;
        if (ex.state == State.DISCARDING) {
            closing(ex);
            ctx.close();
            return;
        }
        failExchange(ex, status, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        targetSide.stopResponseTimer();
        Object m;
        while ((m = inbound.pollFirst()) != null) {
            ReferenceCountUtil.release(m);
        }
        Exchange ex = exchange;
        if (ex != null) {
            ex.state = State.CLOSED;
            if (ex.head != null) {
                ReferenceCountUtil.release(ex.head);
                ex.head = null;
            }
            ex.cancelResponseTimer();
            TargetSide.drop(ex);
            if (ex.active) {
                if (log.reason == null && !HttpStage.STOPPED.equals(closeReason.get())) { // cut off by a stop
                    log.reason = tunnel != null ? "tunnel closed by the client" : "client closed the connection";
                }
                endExchange(ex);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** The exchange in progress if it is in {@code state}, else {@code null}. */
    Exchange in(State state) {
        Exchange ex = exchange;
        return ex != null && ex.state == state ? ex : null;
    }

    /** Whether {@code msg} can be handled now, rather than wait in the queue. */
    private boolean accepts(Object msg) {
        Exchange ex = exchange;
        if (closed || ex == null) {
            return true;
        }
        return (ex.state == State.STREAMING || ex.state == State.DISCARDING) && !ex.requestComplete;
    }

    private void handle(Object msg) {
        Exchange ex = exchange;
        if (closed) {
            ReferenceCountUtil.release(msg);
        } else if (ex == null) {
            if (msg instanceof HttpRequest req) {
                startRequest(req);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } else if (ex.state == State.STREAMING && !ex.requestComplete && msg instanceof HttpContent c) {
            forwardBody(ex, c);
        } else if (ex.state == State.DISCARDING && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                ex.requestComplete = true;
                nextRequest();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    void drainInbound() {
        Object m;
        while ((m = inbound.peekFirst()) != null && accepts(m)) {
            inbound.pollFirst();
            handle(m);
        }
    }

    /** Asks the client for more of the request body, if the target can take it. */
    void requestMore() {
        Exchange ex = in(State.STREAMING);
        if (ex != null && !ex.requestComplete && inbound.isEmpty() && ex.conn != null) {
            if (ex.conn.isWritable()) {
                ctx.read();
            } else {
                ex.waitingTargetWritable = true;
            }
        }
    }

    private void startRequest(HttpRequest req) {
        Exchange ex = new Exchange(req, h2);
        exchange = ex;
        GrpcCalls.recognise(ex, req.headers());
        stage.requestStarted();
        if (timeouts != null) {
            timeouts.requestStarted();
        }
        log.start(System.nanoTime());
        log.protocol = h2 ? "HTTP/2.0" : req.protocolVersion().text();
        log.method = req.method().name();
        log.path = req.uri();
        log.host = req.headers().get(HttpHeaderNames.HOST);
        if (ex.requestComplete) {
            log.bytesReceived = ((HttpContent) req).content().readableBytes();
        }
        RequestAdmission.Refusal refusal = RequestAdmission.admit(req, ex, h2, stage.spoofable());
        if (refusal != null) {
            ReferenceCountUtil.release(req);
            respondError(ex, refusal.status(), refusal.reason());
            return;
        }
        HttpHeaders headers = req.headers();
        log.path = req.uri();
        log.host = headers.get(HttpHeaderNames.HOST);
        if (info.refusal() != null) {
            // failure_response: http: nothing of this connection is routed, whatever it asks for.
            String accept = headers.get(HttpHeaderNames.ACCEPT);
            ReferenceCountUtil.release(req);
            respond(ex, CertificateRefusalPage.of(info.refusal(), accept, info.traceId()),
                    "client certificate refused: " + info.refusal().code() + " (" + info.refusal().step() + ": "
                            + info.refusal().detail() + ")");
            return;
        }
        if (info.serverName() != null && !info.serverName().serves(log.host)) {
            ReferenceCountUtil.release(req);
            respondError(ex, HttpResponseStatus.MISDIRECTED_REQUEST, (log.host == null ? "a request without Host"
                    : "host " + log.host) + " is not served under the TLS policy this connection's server name selected");
            return;
        }

        Route route = stage.router().route(req, info);
        log.rule = route.name();
        Action action = route.action();
        if (action instanceof Action.Forward f) {
            BodyFraming.forwardedRequest(req, ex.chunked, ex.contentLength);
            forwarded.addTo(headers);
            ex.head = req;
            ex.group = f.pick();
            log.targetGroup = ex.group.name();
            if (ex.group.protocolVersion() == ProtocolVersion.GRPC) {
                headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // gRPC servers expect it
            }
            if (ex.websocket) {
                if (ex.group.protocolVersion().http2()) {
                    ex.head = null;
                    ReferenceCountUtil.release(req);
                    respondError(ex, HttpResponseStatus.NOT_IMPLEMENTED, "WebSocket needs an http1 target group");
                    return;
                }
                Tunnel.upgradeHeaders(headers);
            }
            ex.state = State.CONNECTING;
            targetSide.connectTo(ex, ex.group.pick());
            return;
        }
        ReferenceCountUtil.release(req);
        if (action instanceof Action.FixedResponse r) {
            respond(ex, LocalResponses.of(HttpResponseStatus.valueOf(r.status()), r.contentType(), r.body(), null),
                    null);
        } else if (action instanceof Action.Redirect r) {
            String location = r.location(req, info);
            respond(ex, LocalResponses.of(HttpResponseStatus.valueOf(r.status()), null, new byte[0], location), null);
        } else if (action instanceof Action.Deny d) {
            String reason = stage.router().denyReason(route, info);
            respond(ex, ex.grpc ? LocalResponses.grpc(GrpcCalls.PERMISSION_DENIED, reason, h2)
                    : LocalResponses.deny(HttpResponseStatus.valueOf(d.status())), reason);
            if (stage.telemetry() != null) {
                stage.telemetry().requestDenied(info.client(), info.identity(), route.name(), log.method, log.path, reason);
            }
        }
    }

    private void forwardBody(Exchange ex, HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // A bad chunk: the decoder reads nothing more of this connection.
            content.release();
            abandonBody(ex, HttpResponseStatus.BAD_REQUEST, "malformed request body");
            return;
        }
        log.bytesReceived += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            ex.requestComplete = true;
            // Request trailers reach HTTP/1.1 targets never: they would pass the header policy (identity
            // headers, Host, framing), and targets that merge them into the headers exist. HTTP/2 targets
            // keep trailers apart; they get them without anything spoofable or hop-by-hop.
            HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
            if (!trailers.isEmpty()) {
                if (ex.group != null && ex.group.protocolVersion().http2()) {
                    stage.spoofable().strip(trailers);
                    HopByHopHeaders.strip(trailers);
                } else {
                    trailers.clear();
                }
            }
        }
        if (ex.conn == null) {
            content.release();
            return;
        }
        ex.conn.write(content);
        if (last) {
            ex.conn.flush();
            ex.requestSent = true;
            targetSide.startResponseTimer(ex);
        }
    }

    // ---- end of an exchange ------------------------------------------------------------------------

    /** The exchange failed: an error response if none started, else the client connection or stream ends. */
    void failExchange(Exchange ex, HttpResponseStatus status, String reason) {
        ex.cancelResponseTimer();
        TargetSide.drop(ex);
        if (!ex.responseStarted) {
            respondError(ex, status, reason);
            return;
        }
        log.reason = reason;
        log.endNanos = System.nanoTime();
        closing(ex);
        ctx.flush();
        ctx.close(); // HTTP/1.1: the client sees a truncated response; HTTP/2: RST_STREAM
        endExchange(ex);
    }

    void finishResponse(Exchange ex, Object last) {
        ex.cancelResponseTimer();
        log.endNanos = System.nanoTime();
        TargetConnection c = ex.conn;
        ex.conn = null;
        ex.target.requestFinished();
        c.release(ex.targetKeepAlive && ex.requestSent);
        if (h2) {
            closing(ex);
            writeLast(ex, last, !ex.requestComplete); // not reading the rest of the request: reset the stream
            return;
        }
        if (ex.closeAfterResponse || !ex.requestComplete || closing()) {
            closing(ex);
            writeLast(ex, last, true);
            return;
        }
        writeLast(ex, last, false);
        nextRequest();
    }

    /** A tunnel ended: {@code last} goes to the client, whose connection (or stream) then ends. */
    void endTunnel(Exchange ex, String reason, Object last) {
        if (log.reason == null) {
            log.reason = reason;
        }
        log.endNanos = System.nanoTime();
        closing(ex);
        writeLast(ex, last, true);
    }

    // ---- responses written by Gatehouse ------------------------------------------------------------

    void respondError(Exchange ex, HttpResponseStatus status, String reason) {
        respond(ex, ex.grpc ? LocalResponses.grpc(GrpcCalls.status(status, reason), reason, h2)
                : LocalResponses.error(status, reason), reason);
    }

    /**
     * Answers the exchange with a response of Gatehouse's own, and decides what becomes of the
     * connection: closed, kept (the rest of a small request body read and dropped), or the stream ended.
     */
    private void respond(Exchange ex, FullHttpResponse resp, String reason) {
        if (ex.head != null) {
            ReferenceCountUtil.release(ex.head);
            ex.head = null;
        }
        TargetSide.drop(ex);
        ex.cancelResponseTimer();
        ex.responseStarted = true;
        log.status = resp.status().code();
        log.reason = reason;
        log.bytesSent = ex.headRequest ? 0 : resp.content().readableBytes();
        log.endNanos = System.nanoTime();
        if (h2) {
            closing(ex);
            writeLast(ex, resp, !ex.requestComplete);
            return;
        }
        if (!ex.keepAlive || (!ex.requestComplete && !ex.discardsRest()) || closing() || closeForReload()) {
            closing(ex);
            BodyFraming.connection(resp.headers(), true, ex.http10);
            writeLast(ex, resp, true);
            return;
        }
        BodyFraming.connection(resp.headers(), false, ex.http10);
        writeLast(ex, resp, false);
        if (!ex.requestComplete) {
            ex.state = State.DISCARDING;
            drainInbound();
            if (in(State.DISCARDING) != null && inbound.isEmpty()) {
                ctx.read();
            }
            return;
        }
        nextRequest();
    }

    /** The exchange is over and the connection stays: the next request gets a new exchange. */
    private void nextRequest() {
        endExchange(exchange);
        exchange = null;
        if (timeouts != null) {
            timeouts.requestFinished();
        }
        drainInbound();
        if (!closed && exchange == null && inbound.isEmpty()) {
            ctx.read();
        }
    }

    /** The connection (HTTP/1.1) or the stream (HTTP/2) ends with {@code ex}. */
    private void closing(Exchange ex) {
        closed = true;
        ex.state = State.CLOSED;
    }

    /**
     * Writes the last message of a response and ends the exchange: it stops counting as in flight once the
     * write completed (so that a stop that waits for {@link HttpStage#inFlight()} never cuts it off).
     */
    private void writeLast(Exchange ex, Object msg, boolean close) {
        ChannelFuture f = ctx.writeAndFlush(msg);
        if (ex.active) {
            ex.active = false;
            logExchange();
            f.addListener(writtenLast);
        }
        if (close) {
            if (!h2 && !ex.requestComplete) {
                LingeringClose.addTo(ctx.pipeline());
            }
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Ends an exchange that has no last write to wait for (abandoned, or already answered). */
    private void endExchange(Exchange ex) {
        if (!ex.active) {
            return;
        }
        ex.active = false;
        logExchange();
        stage.requestFinished();
    }

    /** Whether the connection closes after this response: the stage drains, or this connection alone. */
    boolean closing() {
        return stage.draining() || closeReason.get() != null;
    }

    /**
     * HTTP/1.1, deciding a response head: whether it must say {@code Connection: close} because a reload
     * retired the stage (noted in the access log). Only heads decide it, so a client is always told
     * before the connection closes.
     */
    boolean closeForReload() {
        if (h2 || !stage.retired() || closing()) {
            return false;
        }
        if (log.reason == null) {
            log.reason = "connection closed: configuration reloaded";
        }
        return true;
    }

    private void logExchange() {
        if (log.endNanos == 0) {
            log.endNanos = System.nanoTime();
        }
        if (log.reason == null) {
            String closed = closeReason.get();
            if (closed != null) {
                log.reason = "connection closed: " + closed;
            }
        }
        stage.accessLog().write(log);
    }
}
