package dev.gatehouse.server.tls;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.SessionResumptionConfig;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * How the contexts of one listener resume sessions (BoringSSL): not at all, or with TLS 1.3 tickets and
 * TLS 1.2 tickets and session ids, for {@code lifetime}, sealed with the shared {@code ticket_keys} when
 * given.
 *
 * <p>A session resumes only on a context of the same listener, mutual-authentication policy and
 * certificate: each context's session id context is a hash of those, and BoringSSL refuses a session (a
 * ticket too, even one sealed with a shared key) made under another. A changed policy or certificate
 * therefore makes every client do a full handshake; a reload that changes neither keeps sessions
 * resumable when the keys are shared. Without {@code ticket_keys} each context makes its own keys, so no
 * session outlives the runtime state that made it.
 */
final class SessionResumption {
    private final boolean enabled;
    private final int lifetimeSeconds;
    private final OpenSslSessionTicketKey[] keys;
    private final String policy;

    private SessionResumption(boolean enabled, int lifetimeSeconds, OpenSslSessionTicketKey[] keys, String policy) {
        this.enabled = enabled;
        this.lifetimeSeconds = lifetimeSeconds;
        this.keys = keys;
        this.policy = policy;
    }

    /**
     * @param mutualAuthentication whether the listener asks for client certificates (decides the default)
     * @param policy               the listener's mutual-authentication policy, as text
     * @throws ConfigException if the ticket keys cannot be read or are malformed
     */
    static SessionResumption of(SessionResumptionConfig config, boolean mutualAuthentication, String policy)
            throws ConfigException {
        boolean enabled = config.enabled(mutualAuthentication);
        OpenSslSessionTicketKey[] keys = enabled && config.ticketKeys() != null
                ? TicketKeys.load(config.ticketKeys(), config.ticketKeysAt()) : new OpenSslSessionTicketKey[0];
        return new SessionResumption(enabled, (int) config.lifetime().toSeconds(), keys, policy);
    }

    boolean enabled() {
        return enabled;
    }

    /** What the builder can set: the lifetime, or, without resumption, the smallest cache possible. */
    void configure(SslContextBuilder b) {
        if (enabled) {
            b.sessionTimeout(lifetimeSeconds);
        } else {
            b.sessionCacheSize(1).sessionTimeout(1);
        }
    }

    /**
     * What only the built context can take: without resumption, the session cache off (tickets are turned
     * off per connection by {@link ServerTls#prepare}); with it, tickets on, the shared keys, and the
     * session id context of this listener's policy and {@code leaf}.
     */
    void configure(SslContext ctx, X509Certificate leaf) {
        if (!(ctx instanceof ReferenceCountedOpenSslContext openssl)) {
            return;
        }
        OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) openssl.sessionContext();
        if (!enabled) {
            sessions.setSessionCacheEnabled(false);
            return;
        }
        sessions.setSessionCacheEnabled(true);
        sessions.setSessionTimeout(lifetimeSeconds);
        // With no keys this only turns TLS 1.2 tickets on, sealed with keys BoringSSL makes for the context.
        sessions.setTicketKeys(keys);
        if (!sessions.setSessionIdContext(sessionIdContext(policy, leaf))) {
            throw new IllegalStateException("the TLS stack refused the session id context");
        }
    }

    /** 32 bytes (the most TLS stacks keep): SHA-256 of the policy and the certificate. */
    static byte[] sessionIdContext(String policy, X509Certificate leaf) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(policy.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(leaf.getEncoded());
            return sha.digest();
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot hash the session id context", e);
        }
    }
}
