package dev.gatehouse.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * Brings a request head to the one form that rules judge and the target receives, or refuses it: what
 * a client sends to make Gatehouse and the target disagree about which resource or host was asked for.
 *
 * <h2>Host</h2>
 * HTTP/1.1 needs exactly one {@code Host} (RFC 9112 3.2; HTTP/1.0 may send none) with a value that is a
 * host and optional port. HTTP/2: {@code :authority} becomes {@code Host}; a {@code host} header that
 * names another authority is refused, one that repeats it is merged.
 *
 * <h2>Request target</h2>
 * An absolute-form target ({@code GET http://host/path}) becomes its path, and its authority the
 * {@code Host} (refused if a {@code Host} names another). The path is normalised as RFC 3986 6.2.2
 * describes: percent-encoded unreserved characters decoded ({@code %69} is {@code i}), other escapes in
 * upper case, dot segments removed (5.2.4), and {@code //} merged. Refused: {@code %2F}, {@code %5C},
 * {@code %00}, a raw {@code \}, a bad escape, a fragment, and a path whose {@code ..} would climb above
 * the root. The query is left as it is. A path that needs no change is returned as is: nothing allocated.
 */
final class RequestHeadChecks {
    private RequestHeadChecks() {}

    /** A request target that cannot be normalised; the message is the reason for the 400. */
    static final class Malformed extends Exception {
        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Checks and normalises {@code req} in place: its uri and {@code Host}.
     *
     * @return {@code null}, or why the request gets a 400 (for the response and the access log)
     */
    static String apply(HttpRequest req, boolean h2) {
        HttpHeaders headers = req.headers();
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            if (!h2) {
                return "more than one Host header";
            }
            for (String other : hosts) {
                if (!other.equalsIgnoreCase(hosts.get(0))) {
                    return "host header disagrees with :authority";
                }
            }
            headers.set(HttpHeaderNames.HOST, hosts.get(0));
        }
        String host = hosts.isEmpty() ? null : hosts.get(0);
        if (host == null && !h2 && req.protocolVersion().minorVersion() >= 1
                && req.protocolVersion().majorVersion() == 1) {
            return "no Host header";
        }
        if (host != null && !validHost(host)) {
            return "invalid Host header";
        }
        String uri = req.uri();
        if (uri.isEmpty() || uri.charAt(0) != '/') {
            if ("*".equals(uri) && HttpMethod.OPTIONS.equals(req.method())) {
                return null;
            }
            int authorityStart = schemeEnd(uri);
            if (authorityStart < 0) {
                return "malformed request target";
            }
            int authorityEnd = authorityStart;
            while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
                authorityEnd++;
            }
            String authority = uri.substring(authorityStart, authorityEnd);
            if (authority.isEmpty() || !validHost(authority)) {
                return "malformed request target";
            }
            if (host != null && !host.equalsIgnoreCase(authority)) {
                return "request target names another host than Host";
            }
            headers.set(HttpHeaderNames.HOST, authority);
            uri = authorityEnd == uri.length() || uri.charAt(authorityEnd) != '/'
                    ? "/" + uri.substring(authorityEnd) : uri.substring(authorityEnd);
            req.setUri(uri);
        }
        try {
            String normalized = normalize(uri);
            if (normalized != uri) {
                req.setUri(normalized);
            }
        } catch (Malformed e) {
            return e.getMessage();
        }
        return null;
    }

    /** After {@code http://} or {@code https://} (any case), or -1. */
    private static int schemeEnd(String uri) {
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            return 8;
        }
        return -1;
    }

    /** {@code host [":" port]}: a name or IPv4 address of RFC 3986 reg-name characters, or an [IP literal]. */
    static boolean validHost(String host) {
        int n = host.length();
        int i = 0;
        if (n > 0 && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0) {
                return false;
            }
            for (int k = 1; k < close; k++) {
                char c = host.charAt(k);
                if (!(isHex(c) || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < n && host.charAt(i) != ':') {
                char c = host.charAt(i);
                if (!(isUnreserved(c) || "!$&'()*+,;=%".indexOf(c) >= 0)) {
                    return false;
                }
                i++;
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':') {
            return false;
        }
        for (int k = i + 1; k < n; k++) {
            char c = host.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * The normalised form of an origin-form target {@code uri} (starting with {@code /}): see the class
     * comment. Returns {@code uri} itself when nothing changes.
     *
     * @throws Malformed when it must be refused
     */
    static String normalize(String uri) throws Malformed {
        int end = uri.length();
        boolean change = false;
        for (int i = 0; i < end; i++) {
            char c = uri.charAt(i);
            if (c == '?') {
                end = i;
                break;
            }
            if (c == '%') {
                int v = escape(uri, i, end);
                if (isUnreserved((char) v) || uri.charAt(i + 1) >= 'a' || uri.charAt(i + 2) >= 'a') {
                    change = true;
                }
                i += 2;
            } else if (c == '\\') {
                throw new Malformed("backslash in path");
            } else if (c == '#') {
                throw new Malformed("fragment in request target");
            } else if (c == '/' && !change) {
                change = i + 1 < end && uri.charAt(i + 1) == '/' || dotSegmentAt(uri, i + 1, end);
            }
        }
        if (!change) {
            if (uri.indexOf('#', end) >= 0) {
                throw new Malformed("fragment in request target");
            }
            refuseDotSegmentParameters(uri, end);
            return uri;
        }
        // Decode unreserved characters first, so that %2E%2E is a dot segment like ..
        StringBuilder decoded = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = uri.charAt(i);
            if (c == '%') {
                int v = escape(uri, i, end);
                if (isUnreserved((char) v)) {
                    decoded.append((char) v);
                } else {
                    decoded.append('%').append(Character.toUpperCase(uri.charAt(i + 1)))
                            .append(Character.toUpperCase(uri.charAt(i + 2)));
                }
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        StringBuilder out = new StringBuilder(uri.length());
        int[] segmentStarts = new int[decoded.length() / 2 + 1];
        int depth = 0;
        int n = decoded.length();
        int i = 1; // after the leading '/'
        boolean trailingSlash = false;
        while (i <= n) {
            int slash = decoded.indexOf("/", i);
            int segEnd = slash < 0 ? n : slash;
            int len = segEnd - i;
            boolean last = slash < 0;
            if (len == 0 || len == 1 && decoded.charAt(i) == '.') {
                trailingSlash = last;
            } else if (len == 2 && decoded.charAt(i) == '.' && decoded.charAt(i + 1) == '.') {
                if (depth == 0) {
                    throw new Malformed("path escapes the root");
                }
                depth--;
                out.setLength(segmentStarts[depth]);
                trailingSlash = last;
            } else {
                segmentStarts[depth++] = out.length();
                out.append('/').append(decoded, i, segEnd);
                trailingSlash = false;
            }
            i = segEnd + 1;
        }
        if (out.length() == 0 || trailingSlash) {
            out.append('/');
        }
        int pathEnd = out.length();
        out.append(uri, end, uri.length());
        if (out.indexOf("#") >= 0) {
            throw new Malformed("fragment in request target");
        }
        String normalized = out.toString();
        refuseDotSegmentParameters(normalized, pathEnd);
        return normalized;
    }

    /**
     * Servlet containers drop path parameters ({@code ;...}) from each segment before resolving dot
     * segments, so {@code /..;/admin} is {@code /admin} to them: a dot segment with parameters is refused.
     */
    private static void refuseDotSegmentParameters(String path, int end) throws Malformed {
        int semicolon = path.indexOf(';');
        while (semicolon >= 0 && semicolon < end) {
            int segStart = path.lastIndexOf('/', semicolon) + 1;
            int len = semicolon - segStart;
            if (len == 1 && path.charAt(segStart) == '.'
                    || len == 2 && path.charAt(segStart) == '.' && path.charAt(segStart + 1) == '.') {
                throw new Malformed("path parameters on a dot segment");
            }
            semicolon = path.indexOf(';', semicolon + 1);
        }
    }

    /** The octet of the escape at {@code i}; refuses bad escapes and the ones that change a path's shape. */
    private static int escape(String uri, int i, int end) throws Malformed {
        if (i + 2 >= end) {
            throw new Malformed("bad percent-encoding in path");
        }
        int hi = hex(uri.charAt(i + 1));
        int lo = hex(uri.charAt(i + 2));
        if (hi < 0 || lo < 0) {
            throw new Malformed("bad percent-encoding in path");
        }
        int v = hi << 4 | lo;
        if (v == '/' || v == '\\' || v == 0) {
            throw new Malformed("encoded /, \\ or NUL in path");
        }
        return v;
    }

    /** Whether a {@code .} or {@code ..} segment starts at {@code i} (literally; escapes set change anyway). */
    private static boolean dotSegmentAt(String uri, int i, int end) {
        if (i >= end || uri.charAt(i) != '.') {
            return false;
        }
        if (i + 1 == end || uri.charAt(i + 1) == '/') {
            return true;
        }
        return uri.charAt(i + 1) == '.' && (i + 2 == end || uri.charAt(i + 2) == '/');
    }

    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isHex(char c) {
        return hex(c) >= 0;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
