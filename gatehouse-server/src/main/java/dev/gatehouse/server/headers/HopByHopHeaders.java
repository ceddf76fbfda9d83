package dev.gatehouse.server.headers;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Headers that describe one connection and so must not be forwarded (RFC 9110 7.6.1): {@code Connection}
 * and every header it names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE}, {@code Trailer},
 * {@code Transfer-Encoding} (the message is re-framed for the next hop) and {@code Upgrade}.
 *
 * <p>Callers strip them <em>before</em> adding Gatehouse's own headers, so a {@code Connection} header
 * that names those cannot remove them.
 *
 * <h2>What a {@code Connection} header can never remove</h2>
 * {@code Content-Length}, {@code Transfer-Encoding} and {@code Host}: the first two frame the message (the
 * decoder already read the body by them, so removing one would send the body to the next hop unframed,
 * where it would be parsed as a request of its own), and {@code Host} is what host rules judged. RFC 9110
 * 7.6.1 forbids naming them anyway; a token that does is ignored.
 */
public final class HopByHopHeaders {
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] FIXED = {
            HttpHeaderNames.KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE};
    /** Headers a {@code Connection} token never removes (see the class comment). */
    private static final AsciiString[] PROTECTED = {
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST};

    private HopByHopHeaders() {}

    /** Removes the hop-by-hop headers from {@code headers}. */
    public static void strip(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : values) {
                removeNamed(headers, value);
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }

    private static void removeNamed(HttpHeaders headers, String connectionValue) {
        int start = 0;
        int n = connectionValue.length();
        while (start < n) {
            int comma = connectionValue.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start;
            int e = end;
            while (s < e && isSpace(connectionValue.charAt(s))) {
                s++;
            }
            while (e > s && isSpace(connectionValue.charAt(e - 1))) {
                e--;
            }
            if (e > s) {
                CharSequence name = connectionValue.subSequence(s, e);
                if (!isProtected(name)) {
                    headers.remove(name);
                }
            }
            start = end + 1;
        }
    }

    private static boolean isProtected(CharSequence name) {
        for (AsciiString p : PROTECTED) {
            if (p.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
