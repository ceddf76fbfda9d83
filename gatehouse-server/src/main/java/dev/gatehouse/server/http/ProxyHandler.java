package dev.gatehouse.server.http;

import dev.gatehouse.server.headers.ForwardedHeaders;
import dev.gatehouse.server.headers.HopByHopHeaders;
import dev.gatehouse.server.listener.ConnectionInfo;
import dev.gatehouse.server.observe.AccessLog;
import dev.gatehouse.server.routing.Action;
import dev.gatehouse.server.routing.Route;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetConnection;
import dev.gatehouse.server.target.TargetGroup;
import dev.gatehouse.server.target.TargetListener;
import dev.gatehouse.server.target.TargetTlsException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Proxies the requests of one HTTP/1.1 connection, or of one HTTP/2 stream, to targets: the one handler
 * of the request path, fed {@code HttpObject}s by {@code HttpServerCodec} or
 * {@code Http2StreamFrameToHttpObjectCodec}.
 *
 * <h2>One exchange</h2>
 * A request head is checked (limits, {@code Upgrade}, {@code CONNECT}), loses its spoofable and
 * hop-by-hop headers, is routed, and then either answered by Gatehouse (fixed response, redirect, deny,
 * errors) or forwarded: a connection to a target of the chosen group is taken from the pool of this event
 * loop (or opened; a target that cannot be connected is followed by the next one, since none of the
 * request reached it), the head goes out with Gatehouse's headers, and body and response stream through.
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
 * the response started, by closing the connection or resetting the stream) and never replayed.
 *
 * <h2>Pipelining</h2>
 * HTTP/1.1 requests are handled one at a time: what the decoder produces while an exchange is busy waits
 * in a small queue (at most one read's worth, since no read is asked for meanwhile).
 *
 * <h2>Threading</h2>
 * Everything runs on the client channel's event loop, which is also the target connection's, so no field
 * needs to be volatile.
 */
final class ProxyHandler extends ChannelDuplexHandler implements TargetListener {
    private static final int IDLE = 0;
    private static final int CONNECTING = 1;
    private static final int STREAMING = 2;
    private static final int CLOSED = 3;
    /** HTTP/1.1: the response was written by Gatehouse; the rest of the request body is read and dropped. */
    private static final int DISCARDING = 4;
    /** Request bodies up to this size are read and dropped after a local response, keeping the connection. */
    private static final long MAX_DISCARD = 1024 * 1024;

    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final HttpStage stage;
    private final ConnectionInfo info;
    private final ForwardedHeaders forwarded;
    private final boolean h2;
    private final AccessLog.Entry log = new AccessLog.Entry();
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(4);
    private final Runnable responseTimeout = this::responseTimedOut;
    private final ChannelFutureListener writtenLast;

    private ChannelHandlerContext ctx;
    private ClientTimeouts timeouts;

    private int state = IDLE;
    private boolean exchangeActive;
    private HttpRequest head;
    /** The current request's head, for its Content-Length (not owned: never released through this field). */
    private HttpRequest lastHead;
    private boolean requestChunked;
    private boolean keepAlive;
    private boolean http10;
    private boolean expectContinue;
    private boolean headRequest;
    private boolean requestComplete;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean targetKeepAlive;
    private boolean closeAfterResponse;
    private boolean skipInformationalEnd;
    private TargetGroup group;
    private Target target;
    private int attempts;
    private TargetConnection conn;
    private boolean waitingTargetWritable;
    private boolean waitingClientWritable;
    private ScheduledFuture<?> responseTimer;

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

    // ---- client side -------------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.timeouts = h2 ? null : ctx.pipeline().get(ClientTimeouts.class);
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            ctx.read();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
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
        if (conn != null) {
            conn.flush();
        }
        requestMore();
        if (state == DISCARDING && inbound.isEmpty()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && waitingClientWritable) {
            waitingClientWritable = false;
            if (conn != null && state == STREAMING) {
                conn.read();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == HttpStage.DRAIN) {
            if (!h2 && state == IDLE && !exchangeActive && inbound.isEmpty()) {
                ctx.close();
            }
            return;
        }
        if (evt == HttpStage.REQUEST_BODY_TIMEOUT) {
            requestBodyTimedOut();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The client stopped sending the request body: the request ends (408 and close, or RST_STREAM on
     * HTTP/2; a response already under way is cut off) and the target connection, holding half a
     * request, is closed rather than pooled.
     */
    private void requestBodyTimedOut() {
        if (requestComplete || state == IDLE || state == CLOSED) {
            return;
        }
        keepAlive = false;
        if (state == DISCARDING) {
            state = CLOSED;
            ctx.close();
            return;
        }
        failTarget(HttpResponseStatus.REQUEST_TIMEOUT, "request body timeout");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = CLOSED;
        Object m;
        while ((m = inbound.pollFirst()) != null) {
            ReferenceCountUtil.release(m);
        }
        if (head != null) {
            ReferenceCountUtil.release(head);
            head = null;
        }
        cancelResponseTimer();
        dropTarget();
        if (exchangeActive) {
            if (log.reason == null) {
                log.reason = "client closed the connection";
            }
            endExchange();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private boolean accepts(Object msg) {
        switch (state) {
            case IDLE:
            case CLOSED:
                return true;
            case STREAMING:
            case DISCARDING:
                return !requestComplete;
            default:
                return false;
        }
    }

    private void handle(Object msg) {
        if (state == IDLE && msg instanceof HttpRequest) {
            startRequest((HttpRequest) msg);
        } else if (state == STREAMING && !requestComplete && msg instanceof HttpContent) {
            forwardBody((HttpContent) msg);
        } else if (state == DISCARDING && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof LastHttpContent) {
                requestComplete = true;
                nextRequest();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void drainInbound() {
        Object m;
        while ((m = inbound.peekFirst()) != null && accepts(m)) {
            inbound.pollFirst();
            handle(m);
        }
    }

    /** Asks the client for more of the request body, if the target can take it. */
    private void requestMore() {
        if (state == STREAMING && !requestComplete && inbound.isEmpty() && conn != null) {
            if (conn.isWritable()) {
                ctx.read();
            } else {
                waitingTargetWritable = true;
            }
        }
    }

    private void startRequest(HttpRequest req) {
        exchangeActive = true;
        lastHead = req;
        requestChunked = false;
        stage.requestStarted();
        if (timeouts != null) {
            timeouts.requestStarted();
        }
        log.start(System.nanoTime());
        log.protocol = h2 ? "HTTP/2.0" : req.protocolVersion().text();
        log.method = req.method().name();
        log.path = req.uri();
        log.host = req.headers().get(HttpHeaderNames.HOST);
        requestComplete = req instanceof LastHttpContent;
        if (requestComplete) {
            log.bytesReceived = ((HttpContent) req).content().readableBytes();
        }
        requestSent = false;
        responseStarted = false;
        targetKeepAlive = false;
        closeAfterResponse = false;
        skipInformationalEnd = false;
        waitingClientWritable = false;
        waitingTargetWritable = false;
        group = null;
        target = null;
        attempts = 0;
        http10 = !h2 && req.protocolVersion().equals(HttpVersion.HTTP_1_0);

        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            ReferenceCountUtil.release(req);
            keepAlive = false;
            requestComplete = true;
            if (cause instanceof TooLongHttpLineException) {
                respondError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
            } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                respondError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large");
            } else {
                respondError(HttpResponseStatus.BAD_REQUEST, "malformed request");
            }
            return;
        }
        keepAlive = h2 || HttpUtil.isKeepAlive(req);
        headRequest = HttpMethod.HEAD.equals(req.method());
        HttpHeaders headers = req.headers();

        if (hasOversizedHeader(headers)) {
            ReferenceCountUtil.release(req);
            respondError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header too large");
            return;
        }
        if (HttpMethod.CONNECT.equals(req.method())) {
            ReferenceCountUtil.release(req);
            respondError(HttpResponseStatus.NOT_IMPLEMENTED, "CONNECT not supported");
            return;
        }
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        if (upgrade != null && !h2 && !"h2c".equalsIgnoreCase(upgrade.trim())) {
            // Tunnelling (WebSocket) is not built yet; ignoring the Upgrade would leave the client waiting.
            ReferenceCountUtil.release(req);
            respondError(HttpResponseStatus.NOT_IMPLEMENTED, "protocol upgrade not supported");
            return;
        }
        expectContinue = HttpUtil.is100ContinueExpected(req);
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        requestChunked = chunked;
        // How the decoder framed the body, taken before any header is removed: the forwarded head says
        // exactly this, whatever the client's Connection header named.
        long contentLength = chunked ? -1 : HttpUtil.getContentLength(req, -1L);

        // Before routing, and before Gatehouse adds its own headers: a client never supplies an identity,
        // and a Connection header can only name headers the client sent.
        stage.spoofable().strip(headers);
        HopByHopHeaders.strip(headers);
        if (h2) {
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
        }
        // Rules judge, and the target receives, the same normalised target and Host.
        String malformed = RequestHeadChecks.apply(req, h2);
        if (malformed != null) {
            ReferenceCountUtil.release(req);
            keepAlive = false;
            respondError(HttpResponseStatus.BAD_REQUEST, malformed);
            return;
        }
        log.path = req.uri();
        log.host = headers.get(HttpHeaderNames.HOST);

        Route route = stage.router().route(req, info);
        log.rule = route.name();
        Action action = route.action();
        if (action instanceof Action.Forward f) {
            req.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (req instanceof LastHttpContent full) {
                int n = full.content().readableBytes();
                if (n > 0 || !HttpUtil.isContentLengthSet(req) && permitsBody(req.method())) {
                    if (n > 0 || HttpMethod.POST.equals(req.method()) || HttpMethod.PUT.equals(req.method())) {
                        HttpUtil.setContentLength(req, n);
                    }
                }
            } else if (chunked) {
                headers.remove(HttpHeaderNames.CONTENT_LENGTH);
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else if (contentLength >= 0) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            }
            forwarded.addTo(headers);
            head = req;
            group = f.pick();
            state = CONNECTING;
            connectTo(group.pick());
        } else {
            ReferenceCountUtil.release(req);
            if (action instanceof Action.FixedResponse r) {
                respond(HttpResponseStatus.valueOf(r.status()), r.contentType(), r.body(), null, null);
            } else if (action instanceof Action.Redirect r) {
                String location = r.location(req, info);
                respond(HttpResponseStatus.valueOf(r.status()), null, new byte[0], location, null);
            } else if (action instanceof Action.Deny d) {
                HttpResponseStatus status = HttpResponseStatus.valueOf(d.status());
                respond(status, TEXT_PLAIN, (status + "\n").getBytes(StandardCharsets.UTF_8), null,
                        stage.router().denyReason(route, info));
            }
        }
    }

    private static boolean permitsBody(HttpMethod m) {
        return !HttpMethod.GET.equals(m) && !HttpMethod.HEAD.equals(m) && !HttpMethod.DELETE.equals(m)
                && !HttpMethod.OPTIONS.equals(m) && !HttpMethod.TRACE.equals(m);
    }

    private static boolean hasOversizedHeader(HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            if (e.getKey().length() + e.getValue().length() + 2 > HttpStage.MAX_LINE) {
                return true;
            }
        }
        return false;
    }

    private void forwardBody(HttpContent content) {
        log.bytesReceived += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestComplete = true;
            // Request trailers are never forwarded: they would reach the target past the header policy
            // (identity headers, Host, framing), and targets that merge them into the headers exist.
            HttpHeaders trailers = ((LastHttpContent) content).trailingHeaders();
            if (!trailers.isEmpty()) {
                trailers.clear();
            }
        }
        if (conn == null) {
            content.release();
            return;
        }
        conn.write(content);
        if (last) {
            conn.flush();
            requestSent = true;
            startResponseTimer();
        }
    }

    // ---- target side -------------------------------------------------------------------------------

    private void connectTo(Target t) {
        target = t;
        attempts++;
        log.target = t.logName();
        t.pool(ctx.channel().eventLoop()).acquire(this);
    }

    @Override
    public void targetConnected(TargetConnection c) {
        if (state != CONNECTING) {
            c.release(true); // nothing was written: as good as new
            return;
        }
        conn = c;
        target.requestStarted();
        state = STREAMING;
        log.targetStartNanos = System.nanoTime();
        HttpRequest h = head;
        head = null;
        c.write(h);
        if (requestComplete) {
            requestSent = true;
            startResponseTimer();
        }
        c.flush();
        c.read();
        drainInbound();
        if (conn != null) {
            conn.flush();
        }
        requestMore();
    }

    @Override
    public void targetConnectFailed(Target t, Throwable cause) {
        if (state != CONNECTING) {
            return;
        }
        if (attempts < group.size()) {
            connectTo(group.next(t));
            return;
        }
        if (cause instanceof TargetTlsException tls) {
            respondError(HttpResponseStatus.BAD_GATEWAY, tls.getMessage());
        } else if (cause instanceof ConnectTimeoutException) {
            respondError(HttpResponseStatus.GATEWAY_TIMEOUT, "target connect timeout");
        } else if (cause instanceof ConnectException) {
            respondError(HttpResponseStatus.BAD_GATEWAY, "target refused the connection");
        } else {
            respondError(HttpResponseStatus.BAD_GATEWAY, "target unreachable");
        }
    }

    @Override
    public void targetRead(Object msg) {
        if (state != STREAMING || conn == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse r) {
            if (r.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                failTarget(HttpResponseStatus.BAD_GATEWAY, "target sent an invalid response");
                return;
            }
            int code = r.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                if (code == 100 && expectContinue && !responseStarted) {
                    FullHttpResponse cont = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                            Unpooled.EMPTY_BUFFER);
                    ctx.writeAndFlush(cont, ctx.voidPromise());
                }
                skipInformationalEnd = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return;
            }
            cancelResponseTimer();
            if (code == 101) {
                ReferenceCountUtil.release(msg);
                failTarget(HttpResponseStatus.BAD_GATEWAY, "target switched protocols");
                return;
            }
            responseStarted = true;
            log.status = code;
            log.targetEndNanos = System.nanoTime();
            targetKeepAlive = HttpUtil.isKeepAlive(r);
            prepareResponseHead(r, code);
            if (msg instanceof LastHttpContent last) {
                log.bytesSent += last.content().readableBytes();
                finishResponse(msg);
            } else {
                ctx.write(msg, ctx.voidPromise());
            }
            return;
        }
        if (msg instanceof HttpContent c) {
            if (skipInformationalEnd) {
                skipInformationalEnd = !(msg instanceof LastHttpContent);
                c.release();
                return;
            }
            if (!responseStarted) {
                c.release();
                return;
            }
            log.bytesSent += c.content().readableBytes();
            if (msg instanceof LastHttpContent) {
                finishResponse(msg);
            } else {
                ctx.write(msg, ctx.voidPromise());
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    private void prepareResponseHead(HttpResponse r, int code) {
        HttpHeaders headers = r.headers();
        boolean hasLength = HttpUtil.isContentLengthSet(r);
        HopByHopHeaders.strip(headers);
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (h2) {
            return;
        }
        closeAfterResponse = !keepAlive || stage.draining();
        boolean bodyAllowed = !headRequest && code != 204 && code != 304;
        if (bodyAllowed && !hasLength) {
            if (http10) {
                closeAfterResponse = true;
            } else {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (closeAfterResponse) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    @Override
    public void targetReadComplete() {
        ctx.flush();
        if (conn != null && state == STREAMING) {
            if (ctx.channel().isWritable()) {
                conn.read();
            } else {
                waitingClientWritable = true;
            }
        }
    }

    @Override
    public void targetWritabilityChanged(boolean writable) {
        if (writable && waitingTargetWritable) {
            waitingTargetWritable = false;
            requestMore();
        }
    }

    @Override
    public void targetClosed(Throwable cause) {
        if (conn == null || state != STREAMING) {
            return;
        }
        conn = null; // already closed or closing
        target.requestFinished();
        if (cause == null) {
            failTarget(HttpResponseStatus.BAD_GATEWAY, responseStarted ? "target closed the connection mid-response"
                    : "target closed the connection");
        } else if (cause instanceof IOException) {
            failTarget(HttpResponseStatus.BAD_GATEWAY, "target reset the connection");
        } else {
            failTarget(HttpResponseStatus.BAD_GATEWAY, "target connection failed");
        }
    }

    private void startResponseTimer() {
        cancelResponseTimer();
        long millis = group.timeouts().response().toMillis();
        responseTimer = ctx.executor().schedule(responseTimeout, millis, TimeUnit.MILLISECONDS);
    }

    private void cancelResponseTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    private void responseTimedOut() {
        responseTimer = null;
        if (state == STREAMING && !responseStarted) {
            failTarget(HttpResponseStatus.GATEWAY_TIMEOUT, "target response timeout");
        }
    }

    /** Gives up on the target connection (not reusable) without touching the client side. */
    private void dropTarget() {
        TargetConnection c = conn;
        if (c != null) {
            conn = null;
            target.requestFinished();
            c.discard();
        }
    }

    /** The target failed: an error response if none started, else the client connection or stream ends. */
    private void failTarget(HttpResponseStatus status, String reason) {
        cancelResponseTimer();
        dropTarget();
        if (!responseStarted) {
            respondError(status, reason);
            return;
        }
        log.reason = reason;
        log.endNanos = System.nanoTime();
        state = CLOSED;
        ctx.flush();
        ctx.close(); // HTTP/1.1: the client sees a truncated response; HTTP/2: RST_STREAM
        endExchange();
    }

    private void finishResponse(Object last) {
        cancelResponseTimer();
        log.endNanos = System.nanoTime();
        TargetConnection c = conn;
        conn = null;
        target.requestFinished();
        c.release(targetKeepAlive && requestSent);
        if (h2) {
            state = CLOSED;
            writeLast(last, !requestComplete); // not reading the rest of the request: reset the stream
            return;
        }
        if (closeAfterResponse || !requestComplete || stage.draining()) {
            state = CLOSED;
            writeLast(last, true);
            return;
        }
        writeLast(last, false);
        nextRequest();
    }

    // ---- responses written by Gatehouse ------------------------------------------------------------

    private void respondError(HttpResponseStatus status, String reason) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + reason + "\n")
                .getBytes(StandardCharsets.UTF_8);
        respond(status, TEXT_PLAIN, body, null, reason);
    }

    private void respond(HttpResponseStatus status, CharSequence contentType, byte[] body, String location,
                         String reason) {
        if (head != null) {
            ReferenceCountUtil.release(head);
            head = null;
        }
        dropTarget();
        cancelResponseTimer();
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        HttpHeaders headers = resp.headers();
        if (contentType != null && body.length > 0) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (location != null) {
            headers.set(HttpHeaderNames.LOCATION, location);
        }
        responseStarted = true;
        log.status = status.code();
        log.reason = reason;
        log.bytesSent = headRequest ? 0 : body.length;
        log.endNanos = System.nanoTime();
        if (h2) {
            state = CLOSED;
            writeLast(resp, !requestComplete);
            return;
        }
        boolean discardRest = !requestComplete && !expectContinue
                && (requestChunked ? MAX_DISCARD + 1 : HttpUtil.getContentLength(lastHead, 0L)) <= MAX_DISCARD;
        if (!keepAlive || (!requestComplete && !discardRest) || stage.draining()) {
            state = CLOSED;
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            writeLast(resp, true);
            return;
        }
        if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        writeLast(resp, false);
        if (!requestComplete) {
            state = DISCARDING;
            drainInbound();
            if (state == DISCARDING && inbound.isEmpty()) {
                ctx.read();
            }
            return;
        }
        nextRequest();
    }

    private void nextRequest() {
        endExchange();
        state = IDLE;
        if (timeouts != null) {
            timeouts.requestFinished();
        }
        drainInbound();
        if (state == IDLE && inbound.isEmpty()) {
            ctx.read();
        }
    }

    /**
     * Writes the last message of a response and ends the exchange: it stops counting as in flight once the
     * write completed (so that a stop that waits for {@link HttpStage#inFlight()} never cuts it off).
     */
    private void writeLast(Object msg, boolean close) {
        ChannelFuture f = ctx.writeAndFlush(msg);
        if (exchangeActive) {
            exchangeActive = false;
            logExchange();
            f.addListener(writtenLast);
        }
        if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** Ends an exchange that has no last write to wait for (abandoned, or already answered). */
    private void endExchange() {
        if (!exchangeActive) {
            return;
        }
        exchangeActive = false;
        logExchange();
        stage.requestFinished();
    }

    private void logExchange() {
        if (log.endNanos == 0) {
            log.endNanos = System.nanoTime();
        }
        stage.accessLog().write(log);
    }
}
