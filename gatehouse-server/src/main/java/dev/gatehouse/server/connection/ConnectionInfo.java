package dev.gatehouse.server.connection;

import dev.gatehouse.pki.ClientIdentity;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * What the HTTP stage knows of a client connection, computed once when the connection is ready for
 * HTTP (after the TLS handshake, or at accept for plain http). Immutable; stored on the channel under
 * {@link #KEY}.
 *
 * @param traceId          {@code TID_} + 32 hex digits; also on every access-log line of the connection
 * @param client           the client's address
 * @param local            the listener's local address
 * @param tls              whether the connection is TLS
 * @param identityHeaders  headers to add to every request of this connection (client identity,
 *                         encoded once per connection), already named per the listener's renames
 * @param clientSubject    the verified client subject for logs ({@code null} if none)
 * @param identity         the client's certificate identity for rules: verified in verify mode; in
 *                         passthrough mode unverified ({@link ClientIdentity#verified()} false) and only
 *                         when the listener says {@code trust_unverified_identity: true}; else {@code null}
 * @param serverName       the TLS policy of the listener's {@code server_names} that the handshake's SNI
 *                         selected, or {@code null} when the listener has no {@code server_names} (every
 *                         host is served); a request for a host of another policy gets 421
 * @param refusal          why the client certificate was refused when the listener answers that with HTTP
 *                         ({@code failure_response: http}): every request gets this 495/496; else {@code null}
 */
public record ConnectionInfo(String traceId, InetSocketAddress client, InetSocketAddress local, boolean tls,
                             List<Map.Entry<String, String>> identityHeaders, String clientSubject,
                             ClientIdentity identity, ServerNames.Selection serverName, CertificateRefusal refusal) {
    public static final AttributeKey<ConnectionInfo> KEY = AttributeKey.valueOf(ConnectionInfo.class, "info");
    /**
     * The client's address as a PROXY protocol header named it, on a connection that came through an L4
     * balancer; absent when the peer is the client (or the header was a balancer's own {@code LOCAL} one).
     */
    public static final AttributeKey<InetSocketAddress> PROXIED_CLIENT =
            AttributeKey.valueOf(ConnectionInfo.class, "proxiedClient");

    public ConnectionInfo {
        identityHeaders = List.copyOf(identityHeaders);
    }

    /** A connection on a listener without {@code server_names} whose certificate (if any) was not refused. */
    public ConnectionInfo(String traceId, InetSocketAddress client, InetSocketAddress local, boolean tls,
                          List<Map.Entry<String, String>> identityHeaders, String clientSubject,
                          ClientIdentity identity) {
        this(traceId, client, local, tls, identityHeaders, clientSubject, identity, null, null);
    }

    /** A connection without a certificate identity. */
    public ConnectionInfo(String traceId, InetSocketAddress client, InetSocketAddress local, boolean tls,
                          List<Map.Entry<String, String>> identityHeaders, String clientSubject) {
        this(traceId, client, local, tls, identityHeaders, clientSubject, null);
    }

    /**
     * The client's address on {@code channel}: the one its PROXY protocol header named, else the peer's.
     * Every stage that names the client (logs, {@code X-Forwarded-For}, {@code source_ip}) reads it here.
     */
    public static InetSocketAddress clientAddress(io.netty.channel.Channel channel) {
        InetSocketAddress proxied = channel.hasAttr(PROXIED_CLIENT) ? channel.attr(PROXIED_CLIENT).get() : null;
        return proxied != null ? proxied : (InetSocketAddress) channel.remoteAddress();
    }

    /** {@code https} or {@code http}, for X-Forwarded-Proto. */
    public String scheme() {
        return tls ? "https" : "http";
    }
}
