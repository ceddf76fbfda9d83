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
}
