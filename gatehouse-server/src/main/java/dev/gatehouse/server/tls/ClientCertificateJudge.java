package dev.gatehouse.server.tls;

import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.Verdict;
import io.netty.handler.ssl.OpenSslCertificateException;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Judges the client certificate during the handshake: in verify mode with the trust store's verifier,
 * in passthrough mode not at all (every certificate is accepted and forwarded as presented).
 *
 * <h2>How a verdict reaches the connection log</h2>
 * The TLS stack only learns "pass" or an X.509 error number (which picks the alert). The full
 * {@link Verdict} is parked here per engine, and the listener's handshake handler takes it with
 * {@link #takeJudgement} when the handshake completes or fails.
 *
 * <h2>Threading</h2>
 * Called on the connection's event loop during the handshake; the verifier is thread-safe and its
 * cache makes a returning client's chain cost a hash lookup.
 */
public final class ClientCertificateJudge extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    /** Judges one presented chain (leaf first); thread-safe. */
    @FunctionalInterface
    public interface ChainVerifier {
        Verdict verify(X509Certificate[] presented);
    }

    private final ChainVerifier verifier;          // null: passthrough
    private final X509Certificate[] advertised;
    private final boolean required;
    private final boolean refusesInHandshake;
    private final Map<SSLEngine, Judgement> verdicts = new ConcurrentHashMap<>();

    private ClientCertificateJudge(ChainVerifier verifier, X509Certificate[] advertised, boolean required,
                                   boolean refusesInHandshake) {
        this.verifier = verifier;
        this.advertised = advertised;
        this.required = required;
        this.refusesInHandshake = refusesInHandshake;
    }

    /** Verify mode: every chain is judged by {@code verifier}; CA names advertised only if {@code advertise}. */
    public static ClientCertificateJudge verifying(ChainVerifier verifier, X509Certificate[] anchors, boolean advertise) {
        return verifying(verifier, anchors, advertise, true, true);
    }

    /**
     * A judge that verifies every presented chain with {@code verifier}.
     *
     * @param required           whether the handshake fails without a certificate (verify mode with TLS
     *                           alerts); else a client may present none (optional mode, or HTTP failure pages)
     * @param refusesInHandshake whether a refused chain ends the handshake with its alert; else the handshake
     *                           completes and the verdict is only parked for the connection (HTTP failure pages)
     */
    public static ClientCertificateJudge verifying(ChainVerifier verifier, X509Certificate[] anchors, boolean advertise,
                                                   boolean required, boolean refusesInHandshake) {
        return new ClientCertificateJudge(verifier, advertise ? anchors.clone() : NONE, required, refusesInHandshake);
    }

    /** Passthrough mode: a certificate is requested and accepted unverified; no CA names advertised. */
    public static ClientCertificateJudge passthrough() {
        return new ClientCertificateJudge(null, NONE, false, false);
    }

    public boolean verifies() {
        return verifier != null;
    }

    /** Whether the TLS stack itself refuses a client that presents no certificate. */
    public boolean requiresCertificate() {
        return required;
    }

    /**
     * Judges a chain as a handshake would, outside of one (an open connection judged again after a reload
     * or at its certificate's expiry). Verify mode only.
     */
    public Verdict judge(X509Certificate[] presented) {
        if (verifier == null) {
            throw new IllegalStateException("a passthrough listener judges no certificate");
        }
        return verifier.verify(presented);
    }

    /** What was presented and what the verifier said of it. */
    public record Judgement(X509Certificate[] presented, Verdict verdict) {}

    /**
     * The JDK provider calls the trust manager with its own inner engine, not the one the pipeline holds,
     * so there the judgement is parked per thread instead: the JDK runs the check inside the event loop's
     * unwrap of that connection, and the handshake's end is seen on the same thread. Stale entries (older
     * than a second) are never handed out.
     */
    private static final ThreadLocal<Parked> PARKED_ON_THREAD = new ThreadLocal<>();

    private record Parked(Judgement judgement, long at) {}

    /** Removes and returns the judgement of the handshake on {@code engine}, or {@code null} if none was reached. */
    public Judgement takeJudgement(SSLEngine engine) {
        Judgement j = verdicts.remove(engine);
        if (j == null && !(engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine)) {
            Parked p = PARKED_ON_THREAD.get();
            PARKED_ON_THREAD.remove();
            if (p != null && System.nanoTime() - p.at() < 1_000_000_000L) {
                j = p.judgement();
            }
        }
        return j;
    }

    /**
     * The handshake is refused for how the client used its certificate (a CertificateVerify signed with
     * SHA-1): the connection's judgement becomes {@code ClientCertIncompatible}. BoringSSL only.
     */
    void refuseUse(SSLEngine engine, String why) {
        // Usually the whole client flight arrived at once and was refused before the TLS stack saw the
        // certificate: then there is no judgement yet, only the refusal.
        Judgement j = verdicts.get(engine);
        verdicts.put(engine, j == null
                ? new Judgement(null, Verdict.failure(FailureCode.CLIENT_CERT_INCOMPATIBLE, why, List.of(), List.of()))
                : new Judgement(j.presented(), Verdict.failure(FailureCode.CLIENT_CERT_INCOMPATIBLE, why,
                        j.verdict().steps(), j.verdict().path())));
    }

    /**
     * A session was resumed on {@code engine} with the chain {@code chain} its client presented when the
     * session began: judges that chain again, now, as a full handshake would (current trust store, CRLs,
     * validity), and parks the judgement for the handshake's end like {@link #checkClientTrusted}. Throws, so
     * the connection ends before any request passes, if the chain is no longer good. Passthrough accepts it.
     */
    void resumed(X509Certificate[] chain, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, "resumed", engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        if (verifier == null) {
            return;
        }
        Verdict verdict = verifier.verify(chain);
        Judgement judgement = new Judgement(chain, verdict);
        if (engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine) {
            verdicts.put(engine, judgement);
        } else {
            PARKED_ON_THREAD.set(new Parked(judgement, System.nanoTime()));
        }
        if (!verdict.isSuccess() && refusesInHandshake) {
            if (TlsProvider.isBoringSsl()) {
                throw new OpenSslCertificateException(verdict.explanation(), FailureAlerts.verifyError(verdict.failureCode().orElseThrow()));
            }
            throw new CertificateException(verdict.explanation());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType, (SSLEngine) null);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClientTrusted(chain, authType, (SSLEngine) null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a listener does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a listener does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a listener does not verify servers");
    }

    /** What goes into the CertificateRequest's certificate_authorities: empty unless advertising is on. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return advertised.clone();
    }
}
