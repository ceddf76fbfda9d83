package dev.gatehouse.server.headers;

import dev.gatehouse.server.connection.ConnectionInfo;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Map;

/**
 * The headers Gatehouse adds to every forwarded request of one client connection: the connection's
 * identity headers (already encoded and named by the listener stage), {@code X-Forwarded-For} (the
 * client address appended to any value the client sent), {@code X-Forwarded-Proto} and
 * {@code X-Forwarded-Port} (set). Built once per connection, so a request costs only the header writes.
 *
 * <p>Values are kept as {@link AsciiString} where they are ASCII (always, for the documented formats):
 * the request encoder then copies their bytes instead of converting characters, and header validation
 * scans bytes. A leaf's URL-encoded PEM is about a kilobyte, added to every request of the connection.
 */
public final class ForwardedHeaders {
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");

    /**
     * The identity headers, validated once here: copied into each request by the headers' bulk add, which
     * does not validate the (kilobyte-long) values again as a per-name {@code set} would.
     */
    private final HttpHeaders identity = DefaultHttpHeadersFactory.headersFactory().newHeaders();
    private final String clientIp;
    private final AsciiString clientIpValue;
    private final AsciiString proto;
    private final AsciiString port;

    public ForwardedHeaders(ConnectionInfo connection) {
        List<Map.Entry<String, String>> identity = connection.identityHeaders();
        for (Map.Entry<String, String> h : identity) {
            this.identity.add(AsciiString.of(h.getKey()), ascii(h.getValue()));
        }
        clientIp = connection.client().getAddress() == null ? connection.client().getHostString()
                : connection.client().getAddress().getHostAddress();
        clientIpValue = AsciiString.of(clientIp);
        proto = AsciiString.cached(connection.scheme());
        port = AsciiString.of(Integer.toString(connection.local().getPort()));
    }

    /** Adds the headers to a request whose spoofable and hop-by-hop headers were already removed. */
    public void addTo(HttpHeaders headers) {
        // Added, not set: the spoofable headers, these names among them, were stripped already.
        if (!identity.isEmpty()) {
            headers.add(identity);
        }
        if (!headers.contains(X_FORWARDED_FOR)) { // the usual case, without the list getAll makes
            headers.add(X_FORWARDED_FOR, clientIpValue);
        } else {
            StringBuilder sb = new StringBuilder(64);
            for (String p : headers.getAll(X_FORWARDED_FOR)) {
                sb.append(p).append(", ");
            }
            headers.set(X_FORWARDED_FOR, sb.append(clientIp).toString());
        }
        headers.set(X_FORWARDED_PROTO, proto);
        headers.set(X_FORWARDED_PORT, port);
    }

    /** {@code value} as bytes if it is ASCII; else unchanged (the encoder's own conversion applies). */
    private static CharSequence ascii(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7f) {
                return value;
            }
        }
        return new AsciiString(value);
    }

    public String clientIp() {
        return clientIp;
    }
}
