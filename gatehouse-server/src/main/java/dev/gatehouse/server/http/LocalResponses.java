package dev.gatehouse.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Every response Gatehouse writes itself rather than a target: errors (a refused request, a target that
 * failed, a timeout), the actions {@code fixed_response}, {@code redirect} and {@code deny}, and the
 * {@code 100 Continue} it passes on for a target.
 *
 * <h2>Form</h2>
 * Always a whole message ({@link FullHttpResponse}) with a {@code Content-Length}; errors have a
 * one-line {@code text/plain} body, {@code <code> <reason phrase>: <why>}, whose {@code <why>} is also
 * the access log's reason. Whether the connection stays open is not decided here: the writer adds
 * {@code Connection} (see {@link dev.gatehouse.server.headers.BodyFraming#connection}).
 *
 * <h2>Threading</h2>
 * Stateless; any thread. Each call returns a new message that the caller writes (and so releases).
 */
final class LocalResponses {
    static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private LocalResponses() {}

    /** An error: {@code <code> <reason phrase>: <reason>} as the body. */
    static FullHttpResponse error(HttpResponseStatus status, String reason) {
        byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + reason + "\n")
                .getBytes(StandardCharsets.UTF_8);
        return of(status, TEXT_PLAIN, body, null);
    }

    /** A {@code deny} action's response: the status line as the body. */
    static FullHttpResponse deny(HttpResponseStatus status) {
        return of(status, TEXT_PLAIN, (status + "\n").getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * A response with {@code body} (no {@code Content-Type} when empty) and, when not {@code null}, a
     * {@code Location}.
     */
    static FullHttpResponse of(HttpResponseStatus status, CharSequence contentType, byte[] body, String location) {
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
        return resp;
    }

    /**
     * A gRPC call's error: {@code 200} with {@code grpc-status} and {@code grpc-message} and no body (a
     * "trailers-only" response: on HTTP/2 one HEADERS frame that ends the stream).
     *
     * @param h2 whether the client is an HTTP/2 stream (HTTP/1.1 needs a {@code Content-Length})
     */
    static FullHttpResponse grpc(int grpcStatus, String message, boolean h2) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.EMPTY_BUFFER);
        HttpHeaders headers = resp.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, GrpcCalls.CONTENT_TYPE);
        headers.setInt(GrpcCalls.STATUS, grpcStatus);
        headers.set(GrpcCalls.MESSAGE, GrpcCalls.percentEncode(message));
        if (!h2) {
            headers.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        return resp;
    }

    /** The interim {@code 100 Continue} a target sent to a client that asked for it. */
    static FullHttpResponse continue100() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
    }
}
