package dev.gatehouse.server.routing;

import dev.gatehouse.clientcert.servlet.CidrBlock;
import dev.gatehouse.server.authz.ClientCertificateMatcher;
import dev.gatehouse.server.authz.Wildcards;
import dev.gatehouse.server.config.RuleConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the {@link Condition}s of a rule's {@code when}, checked by the configuration layer (every
 * pattern and address block here compiles). Patterns use {@code *} (any run of characters)
 * and {@code ?} (one character); hosts and header values match case-insensitively, paths and query values
 * case-sensitively; a host's port is ignored.
 */
final class Conditions {
    private Conditions() {}

    /**
     * @param acceptUnverified whether client-certificate conditions may match an unverified identity
     *                         (a passthrough listener with {@code trust_unverified_identity: true})
     */
    static Condition[] of(RuleConfig.Conditions when, boolean acceptUnverified) {
        List<Condition> out = new ArrayList<>();
        if (!when.host().isEmpty()) {
            List<Wildcards> patterns = compile(lower(when.host()));
            out.add((req, path, conn) -> {
                String host = req.headers().get(HttpHeaderNames.HOST);
                if (host == null) {
                    return false;
                }
                int colon = host.lastIndexOf(':');
                if (colon > 0 && host.indexOf(']') < colon) {
                    host = host.substring(0, colon);
                }
                return anyMatch(patterns, host.toLowerCase(Locale.ROOT));
            });
        }
        if (!when.path().isEmpty()) {
            List<Wildcards> patterns = compile(when.path());
            out.add((req, path, conn) -> anyMatch(patterns, path));
        }
        if (!when.method().isEmpty()) {
            List<String> methods = when.method();
            out.add((req, path, conn) -> methods.contains(req.method().name()));
        }
        for (Map.Entry<String, List<String>> h : when.header().entrySet()) {
            String name = h.getKey();
            List<Wildcards> patterns = compile(lower(h.getValue()));
            out.add((req, path, conn) -> {
                for (String v : req.headers().getAll(name)) {
                    if (anyMatch(patterns, v.toLowerCase(Locale.ROOT))) {
                        return true;
                    }
                }
                return false;
            });
        }
        for (Map.Entry<String, List<String>> q : when.query().entrySet()) {
            String key = q.getKey();
            List<Wildcards> patterns = compile(q.getValue());
            out.add((req, path, conn) -> queryMatches(req.uri(), key, patterns));
        }
        if (!when.sourceIp().isEmpty()) {
            List<CidrBlock> blocks = new ArrayList<>();
            for (String s : when.sourceIp()) {
                blocks.add(CidrBlock.parse(s));
            }
            out.add((req, path, conn) -> {
                InetAddress a = conn.client().getAddress();
                if (a == null) {
                    return false;
                }
                for (CidrBlock c : blocks) {
                    if (c.contains(a)) {
                        return true;
                    }
                }
                return false;
            });
        }
        if (when.clientCertificate() != null) {
            ClientCertificateMatcher matcher = ClientCertificateMatcher.compile(when.clientCertificate(), acceptUnverified);
            out.add((req, path, conn) -> matcher.matches(conn.identity()));
        }
        return out.toArray(new Condition[0]);
    }

    /**
     * Whether a parameter {@code key} of the query of {@code uri} has a value matching one of
     * {@code patterns}. Scans the query in place and decodes only names and values that need it, rather
     * than building the whole parameter map for every condition.
     */
    static boolean queryMatches(String uri, String key, List<Wildcards> patterns) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return false;
        }
        int end = uri.indexOf('#', q);
        if (end < 0) {
            end = uri.length();
        }
        int start = q + 1;
        while (start <= end) {
            int amp = uri.indexOf('&', start);
            if (amp < 0 || amp > end) {
                amp = end;
            }
            int eq = uri.indexOf('=', start);
            boolean hasValue = eq >= 0 && eq < amp;
            int nameEnd = hasValue ? eq : amp;
            if (nameEnd > start && nameIs(uri, start, nameEnd, key)) {
                String value = hasValue ? decode(uri, eq + 1, amp) : "";
                if (anyMatch(patterns, value)) {
                    return true;
                }
            }
            start = amp + 1;
        }
        return false;
    }

    private static boolean nameIs(String uri, int start, int end, String key) {
        for (int i = start; i < end; i++) {
            char c = uri.charAt(i);
            if (c == '%' || c == '+') {
                return decode(uri, start, end).equals(key);
            }
        }
        return end - start == key.length() && uri.regionMatches(start, key, 0, key.length());
    }

    private static String decode(String uri, int start, int end) {
        return QueryStringDecoder.decodeComponent(uri.substring(start, end));
    }

    private static List<String> lower(List<String> in) {
        List<String> out = new ArrayList<>(in.size());
        for (String s : in) {
            out.add(s.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }

    private static List<Wildcards> compile(List<String> patterns) {
        List<Wildcards> out = new ArrayList<>(patterns.size());
        for (String p : patterns) {
            out.add(Wildcards.request(p));
        }
        return List.copyOf(out);
    }

    private static boolean anyMatch(List<Wildcards> patterns, String value) {
        for (Wildcards p : patterns) {
            if (p.matches(value)) {
                return true;
            }
        }
        return false;
    }
}
