package dev.gatehouse.server.routing;

import dev.gatehouse.server.connection.ConnectionInfo;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One test of a rule's {@code when}. New kinds of conditions (host, path, method, headers, source
 * address, client identity, ...) are new implementations; the HTTP stage never sees them.
 */
@FunctionalInterface
public interface Condition {
    /**
     * @param request    the request, its spoofable and hop-by-hop headers already removed
     * @param path       the request's path (without query)
     * @param connection the client connection (address, identity)
     */
    boolean matches(HttpRequest request, String path, ConnectionInfo connection);
}
