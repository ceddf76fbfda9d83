package dev.gatehouse.server.http;

import dev.gatehouse.server.headers.HopByHopHeaders;
import dev.gatehouse.server.headers.SpoofableHeaders;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.util.Iterator;
import java.util.Map;

/**
 * Decides whether a decoded request head may be routed, and makes it fit to be: the first thing that
 * happens to a request, before any rule sees it.
 *
 * <h2>Order</h2>
 * <ol>
 *   <li>A head the decoder could not read: {@code 414} (request line too long), {@code 431} (head too
 *       large) or {@code 400}; the connection closes.</li>
 *   <li>A header line longer than {@link HttpStage#MAX_LINE}: {@code 431}.</li>
 *   <li>{@code CONNECT}, and an HTTP/1.1 {@code Upgrade} other than {@code h2c}: {@code 501} (ignoring
 *       the {@code Upgrade} would leave the client waiting), except a WebSocket opening handshake
 *       (HTTP/1.1 {@code Upgrade: websocket}, or HTTP/2 extended CONNECT with {@code :protocol websocket},
 *       made an HTTP/1.1 one here): see {@link Tunnel}.</li>
 *   <li>How the body is framed is recorded on the {@link Exchange} before any header is removed: the
 *       forwarded head says exactly what the decoder read, whatever the client's {@code Connection}
 *       header named.</li>
 *   <li>Spoofable headers (a client never supplies an identity) and hop-by-hop headers are stripped,
 *       before Gatehouse adds its own; HTTP/2's extension headers are removed.</li>
 *   <li>{@link RequestHeadChecks} normalise the target and {@code Host}, so rules judge and the target
 *       receives the same: {@code 400} when they cannot, and the connection closes.</li>
 * </ol>
 *
 * <h2>Threading</h2>
 * Stateless; called on the client channel's event loop. An admitted head costs no allocation here.
 */
final class RequestAdmission {
    /** Why a request is answered by Gatehouse instead of being routed. */
    record Refusal(HttpResponseStatus status, String reason) {}

    static final Refusal LINE_TOO_LONG = new Refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
    static final Refusal HEAD_TOO_LARGE = new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request head too large");
    static final Refusal MALFORMED = new Refusal(HttpResponseStatus.BAD_REQUEST, "malformed request");
    static final Refusal HEADER_TOO_LARGE = new Refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request header too large");
    static final Refusal CONNECT = new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "CONNECT not supported");
    static final Refusal UPGRADE = new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "protocol upgrade not supported");

    private RequestAdmission() {}

    /**
     * Admits {@code req} (checked, stripped and normalised in place) or refuses it. Records on {@code ex}
     * what the head says of its connection and body; a refusal that must end the connection sets
     * {@link Exchange#keepAlive} to {@code false}. Never releases {@code req}.
     *
     * @return {@code null} when admitted, else the refusal to answer with
     */
    static Refusal admit(HttpRequest req, Exchange ex, boolean h2, SpoofableHeaders spoofable) {
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            ex.keepAlive = false;
            ex.requestComplete = true; // the decoder drops the rest of what the connection sends
            if (cause instanceof TooLongHttpLineException) {
                return LINE_TOO_LONG;
            } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                return HEAD_TOO_LARGE;
            }
            return MALFORMED;
        }
        ex.keepAlive = h2 || HttpUtil.isKeepAlive(req);
        ex.headRequest = HttpMethod.HEAD.equals(req.method());
        HttpHeaders headers = req.headers();

        if (hasOversizedHeader(headers)) {
            return HEADER_TOO_LARGE;
        }
        if (HttpMethod.CONNECT.equals(req.method())) {
            if (!h2 || !Tunnel.fromExtendedConnect(req, ex)) {
                return CONNECT;
            }
        }
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        if (upgrade != null && !h2 && !"h2c".equalsIgnoreCase(upgrade.trim())) {
            if (!Tunnel.isWebSocketUpgrade(req, upgrade)) {
                return UPGRADE;
            }
            ex.websocket = true;
        }
        ex.expectContinue = HttpUtil.is100ContinueExpected(req);
        ex.chunked = !ex.websocket && HttpUtil.isTransferEncodingChunked(req);
        ex.contentLength = ex.chunked ? -1 : HttpUtil.getContentLength(req, -1L);

        spoofable.strip(headers);
        HopByHopHeaders.strip(headers);
        if (h2) {
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
            headers.remove(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
        }
        String malformed = RequestHeadChecks.apply(req, h2);
        if (malformed != null) {
            ex.keepAlive = false;
            return new Refusal(HttpResponseStatus.BAD_REQUEST, malformed);
        }
        return null;
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
}
