package dev.gatehouse.server.listener;

import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.http.HttpStage;
import dev.gatehouse.server.observe.ConnectionLog;
import dev.gatehouse.server.observe.ListenerTelemetry;
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
 * @param telemetry     the listener's metrics and rejections (shared by its states), or {@code null}
 */
public record ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog,
                              ListenerTelemetry telemetry) {

    /** A listener whose handshakes and connections are not measured. */
    public ListenerRuntime(ListenerConfig config, ServerTls tls, HttpStage http, ConnectionLog connectionLog) {
        this(config, tls, http, connectionLog, null);
    }

    public MutualAuthConfig mutualAuthentication() {
        return config.mutualAuthentication();
    }

    public String name() {
        return config.name();
    }
}
