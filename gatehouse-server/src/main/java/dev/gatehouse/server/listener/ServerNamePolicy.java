package dev.gatehouse.server.listener;

import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.tls.ServerTls;
import io.netty.util.AttributeKey;

/**
 * One TLS policy of an https listener: its own (number 0, for every server name its {@code server_names}
 * do not list and for clients without SNI) or one entry of {@code server_names} (number {@code i + 1}).
 * Each policy has TLS contexts of its own ({@link #tls}): a handshake is made, judged and (where
 * resumption is allowed) cached entirely within the policy its SNI selected.
 *
 * <h2>Seam for session resumption</h2>
 * A TLS session must never be resumed under another policy than the one it was established under (a
 * session of a name without verification would otherwise open a name that verifies). Contexts are per
 * policy, so their session caches are too; whatever keeps sessions or ticket keys outside of a context
 * must key them by {@link #id}, which names the policy stably across reloads.
 *
 * @param id                   {@code <listener>} for the listener's own policy, {@code <listener>/<first name>}
 *                             for a {@code server_names} entry
 * @param number               0 for the listener's own, {@code i + 1} for entry {@code i}
 * @param tls                  the policy's TLS contexts and client-certificate judge
 * @param mutualAuthentication the policy's mutual authentication
 */
public record ServerNamePolicy(String id, int number, ServerTls tls, MutualAuthConfig mutualAuthentication) {
    /** The policy a connection's handshake was made under, set when its SNI selected one. */
    public static final AttributeKey<ServerNamePolicy> KEY = AttributeKey.valueOf(ServerNamePolicy.class, "policy");
}
