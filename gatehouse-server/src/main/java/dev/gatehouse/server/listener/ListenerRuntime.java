package dev.gatehouse.server.listener;

import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.connection.ServerNames;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.observe.ListenerTelemetry;
import dev.gatehouse.server.routing.SniRouter;
import dev.gatehouse.server.tls.ServerTls;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.List;

/**
 * Everything one listener needs to serve a connection, built once per runtime state: its TLS contexts
 * (SNI, client-certificate policies), its HTTP stage, and where its connection log goes. Immutable; a
 * connection keeps the one it was accepted with.
 *
 * @param config        the listener's configuration
 * @param tls           TLS contexts of the listener's own policy, or {@code null} for a plain-http listener
 * @param http          the HTTP stage
 * @param connectionLog the connection log
 * @param policies      the TLS policies, the listener's own first, then one per {@code server_names} entry
 *                      (empty for plain http and tls_passthrough)
 * @param serverNames   which policy serves which name, or {@code null} without {@code server_names}
 * @param telemetry     the listener's metrics and rejections (shared by its states), or {@code null}
 * @param proxyProtocol the trusted sources of a listener that requires a PROXY protocol header, else {@code null}
 * @param passthrough   the routes of a {@code tls_passthrough} listener (then {@code tls} and {@code http} are
 *                      {@code null}), else {@code null}
 */
public record ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog,
                              List<ServerNamePolicy> policies, ServerNames serverNames, ListenerTelemetry telemetry,
                              ProxyProtocolReader.Policy proxyProtocol, SniRouter passthrough) {

    /** A listener that serves HTTP (plain or over TLS), with the PROXY protocol policy of its configuration. */
    public ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog,
                           List<ServerNamePolicy> policies, ServerNames serverNames, ListenerTelemetry telemetry) {
        this(config, tls, http, connectionLog, policies, serverNames, telemetry,
                ProxyProtocolReader.Policy.of(config.proxyProtocol()), null);
    }

    /** A {@code tls_passthrough} listener, with the PROXY protocol policy of its configuration. */
    public static ListenerRuntime passthrough(ListenerConfig config, SniRouter routes, ConnectionLog connectionLog) {
        return new ListenerRuntime(config, null, null, connectionLog, List.of(), null, null,
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

    /** {@link HttpStage#openConnections()}: HTTP connections open (none on a passthrough listener). */
    public int openHttpConnections() {
        return http == null ? 0 : http.openConnections();
    }

    /** {@link HttpStage#closeConnections()}, for HTTP listeners. */
    public void closeHttpConnections() {
        if (http != null) {
            http.closeConnections();
        }
    }

    /** {@link HttpStage#inFlight()}: requests in flight (none on a passthrough listener). */
    public int inFlight() {
        return http == null ? 0 : http.inFlight();
    }

    public ListenerRuntime {
        policies = List.copyOf(policies);
    }

    /** A listener whose handshakes and connections are not measured. */
    public ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog,
                           List<ServerNamePolicy> policies, ServerNames serverNames) {
        this(config, tls, http, connectionLog, policies, serverNames, null);
    }

    /** A listener without {@code server_names}: one policy, its own. */
    public ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog) {
        this(config, tls, http, connectionLog, tls == null ? List.of()
                : List.of(new ServerNamePolicy(config.name(), 0, tls, config.mutualAuthentication())), null);
    }

    /** The listener's own mutual authentication (that of policy 0). */
    public MutualAuthConfig mutualAuthentication() {
        return config.mutualAuthentication();
    }

    public String name() {
        return config.name();
    }

    /** The listener's own policy (number 0). */
    public ServerNamePolicy defaultPolicy() {
        return policies.get(0);
    }

    /** The policy of this id, or {@code null} if the listener has none (a reload removed it). */
    public ServerNamePolicy policy(String id) {
        for (ServerNamePolicy p : policies) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /** The policy whose TLS contexts hold {@code context} (the listener's own if none does). */
    ServerNamePolicy policyOf(SslContext context) {
        for (ServerNamePolicy p : policies) {
            if (p.tls().owns(context)) {
                return p;
            }
        }
        return defaultPolicy();
    }

    /**
     * The SNI lookup over every policy: the server name picks the policy ({@link #serverNames}), then that
     * policy's certificates pick the context by their DNS names, its first certificate's by default.
     */
    Mapping<String, SslContext> sni() {
        if (serverNames == null) {
            return tls.sni();
        }
        return name -> policies.get(serverNames.policyOf(name)).tls().sni().map(name);
    }
}
