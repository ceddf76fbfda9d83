package dev.gatehouse.server.http;

import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetConnection;
import dev.gatehouse.server.target.TargetGroup;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * One request and its response, as {@link ProxyHandler} sees it: where the exchange is ({@link State}),
 * what the request said about its body and its connection, and the target connection it holds.
 *
 * <h2>Lifecycle</h2>
 * Created when a request head arrives, and never reused: the next request on the connection gets a new
 * exchange, so nothing of an earlier one can leak into it. {@link RequestAdmission} fills in what the head
 * says ({@link #keepAlive}, {@link #chunked}, ...); the handler moves the {@link #state} and sets the
 * rest as the exchange goes.
 *
 * <h2>Ownership</h2>
 * {@link #head} is owned (released when the exchange ends before it was written to a target);
 * {@link #request} is the same head kept only to read its headers, never released through this field.
 *
 * <h2>Threading</h2>
 * Client channel's event loop only (the target connection shares it), so no field is volatile.
 */
final class Exchange {
    /** Request bodies up to this size are read and dropped after a local response, keeping the connection. */
    static final long MAX_DISCARD = 1024 * 1024;

    /** Where an exchange is. */
    enum State {
        /** The head is being admitted and routed. */
        ADMITTING,
        /** Forwarded: waiting for a target connection; body parts wait in the handler's queue. */
        CONNECTING,
        /** The head went to a target: the request body and the response stream through. */
        STREAMING,
        /** HTTP/1.1: Gatehouse answered; the rest of the request body is read and dropped. */
        DISCARDING,
        /** The connection (HTTP/1.1) or the stream (HTTP/2) ends with this exchange: nothing more is read. */
        CLOSED
    }

    State state = State.ADMITTING;
    /** The request head, for its headers only (not owned). */
    final HttpRequest request;
    final boolean http10;
    /** Whether this exchange still counts as in flight and has not been logged. */
    boolean active = true;

    // What the request head says (set by RequestAdmission).
    boolean keepAlive;
    boolean headRequest;
    boolean expectContinue;
    boolean chunked;
    /** The declared Content-Length, or -1 (none, or chunked). */
    long contentLength = -1;

    /** The head to write to the target once connected (owned until then). */
    HttpRequest head;
    boolean requestComplete;
    boolean requestSent;
    boolean responseStarted;
    boolean targetKeepAlive;
    boolean closeAfterResponse;
    /** An interim (1xx) response head arrived without its end: drop its end too. */
    boolean skipInformationalEnd;

    /** A WebSocket opening handshake (HTTP/1.1 Upgrade, or HTTP/2 extended CONNECT): a {@link Tunnel} if accepted. */
    boolean websocket;
    /** A gRPC call ({@code content-type: application/grpc...}): Gatehouse's own answers are gRPC statuses. */
    boolean grpc;
    /** The call's {@code grpc-timeout} in milliseconds, or -1 when it has none. */
    long grpcTimeoutMillis = -1;

    TargetGroup group;
    Target target;
    int attempts;
    TargetConnection conn;
    boolean waitingTargetWritable;
    boolean waitingClientWritable;
    /** The whole request reached the target and its response head is due by {@link #responseDeadline}. */
    boolean responseDue;
    /** When the response head is due ({@link System#nanoTime()} clock), while {@link #responseDue}. */
    long responseDeadline;

    Exchange(HttpRequest request, boolean h2) {
        this.request = request;
        this.http10 = !h2 && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.requestComplete = request instanceof LastHttpContent;
    }

    /**
     * After a local response: whether the rest of the request body is small enough to read and drop
     * (keeping the connection), rather than closing the connection.
     */
    boolean discardsRest() {
        return !requestComplete && !expectContinue
                && (chunked ? MAX_DISCARD + 1 : HttpUtil.getContentLength(request, 0L)) <= MAX_DISCARD;
    }

    /** The response head arrived, or the exchange ended: no response timeout applies any more. */
    void cancelResponseTimer() {
        responseDue = false;
    }

    @Override
    public String toString() {
        return "Exchange(" + state + ", " + request.method() + " " + request.uri() + ")";
    }
}
