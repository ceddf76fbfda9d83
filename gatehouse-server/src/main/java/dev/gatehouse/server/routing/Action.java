package dev.gatehouse.server.routing;

import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.target.TargetGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** What a route does with a request, resolved against the runtime state (target groups looked up). */
public sealed interface Action {

    /** Forward to one target group, chosen by weight when there are several. */
    record Forward(List<TargetGroup> groups, int[] cumulativeWeights) implements Action {
        /** The group for one request. */
        public TargetGroup pick() {
            if (groups.size() == 1) {
                return groups.get(0);
            }
            int total = cumulativeWeights[cumulativeWeights.length - 1];
            int r = ThreadLocalRandom.current().nextInt(total);
            for (int i = 0; i < cumulativeWeights.length; i++) {
                if (r < cumulativeWeights[i]) {
                    return groups.get(i);
                }
            }
            return groups.get(groups.size() - 1);
        }
    }

    /** A response written by Gatehouse itself; {@code body} is kept encoded. */
    record FixedResponse(int status, String contentType, byte[] body) implements Action {
        public FixedResponse(int status, String contentType, String body) {
            this(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A redirect; each {@code null} part keeps the request's own. Parts may use {@code #{protocol}},
     * {@code #{host}}, {@code #{port}}, {@code #{path}}, {@code #{query}}.
     */
    record Redirect(int status, String protocol, String host, String port, String path, String query)
            implements Action {

        /** The {@code Location} for {@code request}; the default port of the protocol is left out. */
        public String location(HttpRequest request, ConnectionInfo connection) {
            String reqProtocol = connection.scheme();
            String hostHeader = request.headers().get(HttpHeaderNames.HOST);
            String reqHost = hostHeader == null ? connection.local().getHostString() : hostHeader;
            String reqPort = Integer.toString(connection.local().getPort());
            int colon = reqHost.lastIndexOf(':');
            if (colon > 0 && reqHost.indexOf(']') < colon) {
                reqPort = reqHost.substring(colon + 1);
                reqHost = reqHost.substring(0, colon);
            }
            String uri = request.uri();
            int q = uri.indexOf('?');
            String reqPath = q < 0 ? uri : uri.substring(0, q);
            String reqQuery = q < 0 ? "" : uri.substring(q + 1);
            String[] values = {reqProtocol, reqHost, reqPort, reqPath, reqQuery};
            String p = protocol == null ? reqProtocol : expand(protocol, values);
            String h = host == null ? reqHost : expand(host, values);
            String po = port == null ? reqPort : expand(port, values);
            String pa = path == null ? reqPath : expand(path, values);
            String qu = query == null ? reqQuery : expand(query, values);
            StringBuilder sb = new StringBuilder(64).append(p).append("://").append(h);
            boolean defaultPort = ("https".equalsIgnoreCase(p) && "443".equals(po))
                    || ("http".equalsIgnoreCase(p) && "80".equals(po));
            if (!defaultPort && !po.isEmpty()) {
                sb.append(':').append(po);
            }
            if (!pa.startsWith("/")) {
                sb.append('/');
            }
            sb.append(pa);
            if (!qu.isEmpty()) {
                sb.append('?').append(qu);
            }
            return sb.toString();
        }

        private static String expand(String template, String[] values) {
            if (template.indexOf("#{") < 0) {
                return template;
            }
            return template.replace("#{protocol}", values[0]).replace("#{host}", values[1])
                    .replace("#{port}", values[2]).replace("#{path}", values[3]).replace("#{query}", values[4]);
        }
    }

    /** Refuse the request with {@code status}. */
    record Deny(int status) implements Action {}
}
