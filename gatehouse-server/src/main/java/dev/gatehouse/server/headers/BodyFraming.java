package dev.gatehouse.server.headers;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * How a message that Gatehouse passes on says where its body ends, and whether the connection stays open
 * after it: {@code Content-Length}, {@code Transfer-Encoding: chunked} and {@code Connection}, set for the
 * next hop (the hop-by-hop headers of the previous one are gone by then).
 *
 * <h2>Requests to a target</h2>
 * Always HTTP/1.1, framed exactly as the client's decoder read the body: a chunked body stays chunked
 * (whatever {@code Content-Length} came with it), a declared length is repeated, a body received whole
 * (HTTP/2, or a request with nothing after its head) gets its length when it has one or its method
 * usually carries one.
 *
 * <h2>Responses to a client</h2>
 * Hop-by-hop headers of the target go; the version becomes HTTP/1.1. HTTP/1.1 clients: a body without a
 * length is sent chunked, or, to an HTTP/1.0 client, ends with the connection; {@code Connection: close}
 * says when the connection ends after the response, {@code Connection: keep-alive} tells an HTTP/1.0
 * client that it does not. HTTP/2 streams need none of this.
 *
 * <h2>Threading</h2>
 * Stateless; any thread.
 */
public final class BodyFraming {
    private BodyFraming() {}

    /**
     * Frames a request head for the target.
     *
     * @param chunked       whether the client's body was chunked (read before any header was removed)
     * @param contentLength the client's declared length, or -1 when it declared none (or was chunked)
     */
    public static void forwardedRequest(HttpRequest req, boolean chunked, long contentLength) {
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        HttpHeaders headers = req.headers();
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
    }

    /**
     * Frames a target's response head for the client.
     *
     * @param h2          whether the client is an HTTP/2 stream (then only the hop-by-hop headers go)
     * @param keepOpen    whether the client connection may stay open after this response
     * @param headRequest whether the request was {@code HEAD}
     * @param http10      whether the client speaks HTTP/1.0
     * @return whether the client connection closes after this response (always {@code false} for HTTP/2)
     */
    public static boolean clientResponse(HttpResponse r, boolean h2, boolean keepOpen, boolean headRequest,
                                         boolean http10) {
        HttpHeaders headers = r.headers();
        boolean hasLength = HttpUtil.isContentLengthSet(r);
        HopByHopHeaders.strip(headers);
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (h2) {
            return false;
        }
        boolean close = !keepOpen;
        int code = r.status().code();
        boolean bodyAllowed = !headRequest && code != 204 && code != 304;
        if (bodyAllowed && !hasLength) {
            if (http10) {
                close = true;
            } else {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        connection(headers, close, http10);
        return close;
    }

    /**
     * Says whether an HTTP/1.1 connection ends after this response: {@code Connection: close} if it does,
     * {@code Connection: keep-alive} to an HTTP/1.0 client if it does not (HTTP/1.1 keeps it by default).
     */
    public static void connection(HttpHeaders responseHeaders, boolean close, boolean http10) {
        if (close) {
            responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private static boolean permitsBody(HttpMethod m) {
        return !HttpMethod.GET.equals(m) && !HttpMethod.HEAD.equals(m) && !HttpMethod.DELETE.equals(m)
                && !HttpMethod.OPTIONS.equals(m) && !HttpMethod.TRACE.equals(m);
    }
}
