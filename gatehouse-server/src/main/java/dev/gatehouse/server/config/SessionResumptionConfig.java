package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code tls.session_resumption} of an https listener.
 *
 * @param enabled      {@code enabled}, or {@code null} when not set: then {@link #enabled(boolean)} decides
 *                     by the listener's mutual-authentication mode
 * @param lifetime     {@code lifetime} (default {@link #DEFAULT_LIFETIME}): how long a session can be resumed
 * @param ticketKeys   {@code ticket_keys}: the file of session-ticket keys shared by instances, or {@code null}
 *                     (each context makes its own keys, lost at every reload and restart)
 * @param ticketKeysAt where {@code ticket_keys} is set, or {@code null}
 */
public record SessionResumptionConfig(Boolean enabled, Duration lifetime, Path ticketKeys, ConfigLocation ticketKeysAt) {
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

    /** Nothing set: the defaults. */
    public static final SessionResumptionConfig DEFAULTS = new SessionResumptionConfig(null, DEFAULT_LIFETIME, null, null);

    /**
     * Whether sessions are resumed: as set, else only on listeners that ask for no client certificate
     * ({@code mutualAuthentication} false).
     */
    public boolean enabled(boolean mutualAuthentication) {
        return enabled != null ? enabled : !mutualAuthentication;
    }

    /** Reads {@code tls.session_resumption}; {@code ticket_keys} is resolved against {@code baseDir}. */
    static SessionResumptionConfig parse(ConfigNode node, Path baseDir) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with enabled, lifetime, ticket_keys", "enabled", "lifetime",
                "ticket_keys");
        ConfigNode enabled = map.optional("enabled");
        ConfigNode lifetime = map.optional("lifetime");
        ConfigNode keys = map.optional("ticket_keys");
        Duration life = lifetime == null ? DEFAULT_LIFETIME : lifetime.duration(false);
        if (life.compareTo(Duration.ofDays(7)) > 0 || life.toSeconds() < 1) {
            throw lifetime.fail("'" + lifetime.text("a duration") + "' is out of range (expected: 1s to 168h; TLS 1.3"
                    + " tickets live at most 7 days)");
        }
        return new SessionResumptionConfig(enabled == null ? null : enabled.bool(), life,
                keys == null ? null : keys.readableFile(baseDir), keys == null ? null : keys.at());
    }
}
