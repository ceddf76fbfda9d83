package dev.gatehouse.server.listener;

import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.routing.SniRouter;
import dev.gatehouse.server.tls.ServerTls;

/**
 * Everything one listener needs to serve a connection, built once per runtime state: its TLS contexts
 * (SNI, client-certificate policy), its HTTP stage, and where its connection log goes. Immutable; a
 * connection keeps the one it was accepted with.
 *
 * @param config        the listener's configuration
 * @param tls           TLS contexts, or {@code null} for a plain-http listener
 * @param http          the HTTP stage
 * @param connectionLog the connection log
 * @param proxyProtocol the trusted sources of a listener that requires a PROXY protocol header, else {@code null}
 * @param passthrough   the routes of a {@code tls_passthrough} listener (then {@code tls} and {@code http} are
 *                      {@code null}), else {@code null}
 */
public record ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog,
                              ProxyProtocolReader.Policy proxyProtocol, SniRouter passthrough) {

    /** A listener that serves HTTP (plain or over TLS), with the PROXY protocol policy of its configuration. */
    public ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog) {
        this(config, tls, http, connectionLog, ProxyProtocolReader.Policy.of(config.proxyProtocol()), null);
    }

    /** A {@code tls_passthrough} listener, with the PROXY protocol policy of its configuration. */
    public static ListenerRuntime passthrough(ListenerConfig config, SniRouter routes,
                                              ConnectionLog connectionLog) {
        return new ListenerRuntime(config, null, null, connectionLog,
                ProxyProtocolReader.Policy.of(config.proxyProtocol()), routes);
    }

    /** {@link HttpStage#retire()}; a passthrough listener has nothing to retire (its relays run to their end). */
    public void retire() {
        if (http != null) {
            http.retire();
        }
    }

    /** {@link HttpStage#drain()}, for HTTP listeners. */
    public void drain() {
        if (http != null) {
            http.drain();
        }
    }

    /** {@link HttpStage#inFlight()}: requests in flight (none on a passthrough listener). */
    public int inFlight() {
        return http == null ? 0 : http.inFlight();
    }

    public MutualAuthConfig mutualAuthentication() {
        return config.mutualAuthentication();
    }

    public String name() {
        return config.name();
    }
}
