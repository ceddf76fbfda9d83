package dev.gatehouse.server.tls;

import dev.gatehouse.pki.FailureCode;
import dev.gatehouse.pki.Verdict;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.TlsConfig.CertificateKeyPair;
import dev.gatehouse.server.config.TlsCipherSuites;
import dev.gatehouse.server.config.TlsConfig;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.netty.util.ReferenceCounted;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The server side of one https listener's TLS: a context per configured certificate, and the SNI
 * mapping that picks one by the client's server name (the first certificate is the default, also for
 * clients that send no or an unknown name).
 *
 * <p>Built once per runtime state, off the event loop. All contexts of a listener share the same
 * client-certificate policy ({@link ClientCertificateJudge}).
 */
public final class ServerTls {
    private final Mapping<String, SslContext> sni;
    private final List<SslContext> contexts;
    private final ClientCertificateJudge judge;
    private final KeyTypes keyTypes;
    private final List<X509Certificate> certificates;
    private final boolean resumes;

    private ServerTls(Mapping<String, SslContext> sni, List<SslContext> contexts, ClientCertificateJudge judge,
                      KeyTypes keyTypes, List<X509Certificate> certificates, boolean resumes) {
        this.sni = sni;
        this.contexts = contexts;
        this.judge = judge;
        this.keyTypes = keyTypes;
        this.certificates = certificates;
        this.resumes = resumes;
    }

    /** The listener's certificates (each chain's leaf), in configuration order: for expiry metrics and the admin API. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /**
     * The signature algorithms no listener offers, accepts or signs with: every one with SHA-1 or MD5. With
     * the JDK provider this is the list it uses instead ({@code jdk.tls.server.SignatureSchemes}); with
     * BoringSSL, whose lists netty-tcnative cannot set, {@link #signatureGuard} enforces it in TLS 1.2 (TLS
     * 1.3 has none of them).
     */
    static final List<String> SIGNATURE_SCHEMES = List.of(
            "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512", "ed25519", "ed448",
            "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512", "rsa_pss_pss_sha256",
            "rsa_pss_pss_sha384", "rsa_pss_pss_sha512", "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512");

    /** The key types of a listener's certificates, as TLS 1.2 signature algorithms name them. */
    static final class KeyTypes {
        private final boolean rsa;
        private final boolean ecdsa;

        KeyTypes(boolean rsa, boolean ecdsa) {
            this.rsa = rsa;
            this.ecdsa = ecdsa;
        }

        /**
         * What is wrong with a client's TLS 1.2 signature algorithms, or {@code null}: for a key type of the
         * listener, SHA-1 or MD5 is offered and nothing better, so BoringSSL would sign with SHA-1.
         */
        String onlyWeakFor(int[] offered) {
            if (rsa && onlyWeak(offered, 1, 0x0804, 0x0805, 0x0806)) {
                return "offers only SHA-1 or MD5 signatures for the server's RSA key";
            }
            if (ecdsa && onlyWeak(offered, 3)) {
                return "offers only SHA-1 or MD5 signatures for the server's ECDSA key";
            }
            return null;
        }

        private static boolean onlyWeak(int[] offered, int signature, int... alsoStrong) {
            boolean weak = false;
            for (int a : offered) {
                boolean strongCode = false;
                for (int s : alsoStrong) {
                    strongCode |= a == s;
                }
                int hash = a >>> 8;
                if (strongCode || ((a & 0xff) == signature && hash >= 4 && hash <= 6)) {
                    return false;
                }
                weak |= (a & 0xff) == signature && SignatureAlgorithmGuard.isWeak(a);
            }
            return weak;
        }
    }

    /**
     * A new handler for one connection that refuses SHA-1 and MD5 handshake signatures (goes before the
     * TLS handler), or {@code null} where the TLS stack itself is configured to refuse them (JDK).
     */
    public ChannelHandler signatureGuard() {
        return contexts.get(0) instanceof ReferenceCountedOpenSslContext
                ? new SignatureAlgorithmGuard(keyTypes, judge) : null;
    }

    /**
     * A new handler for one connection that gives a handshake the JDK's TLS refused as malformed a fatal
     * alert (goes before the TLS handler), or {@code null} on BoringSSL, which sends its own.
     */
    public ChannelHandler handshakeAlerts() {
        return contexts.get(0) instanceof ReferenceCountedOpenSslContext ? null : new JdkHandshakeAlerts();
    }

    /**
     * The guard of a listener whose policies ({@code policies}, one {@code ServerTls} each) are chosen by
     * server name: it knows every policy's key types, and asks {@code selected} for the judge of the one a
     * connection's server name chose. {@code null} where the TLS stack refuses weak signatures itself (JDK).
     */
    public static ChannelHandler signatureGuard(List<ServerTls> policies,
                                                java.util.function.Function<io.netty.channel.Channel, ServerTls> selected) {
        if (!(policies.get(0).contexts.get(0) instanceof ReferenceCountedOpenSslContext)) {
            return null;
        }
        boolean rsa = false;
        boolean ecdsa = false;
        boolean requests = false;
        for (ServerTls p : policies) {
            rsa |= p.keyTypes.rsa;
            ecdsa |= p.keyTypes.ecdsa;
            requests |= p.judge != null;
        }
        return new SignatureAlgorithmGuard(new KeyTypes(rsa, ecdsa), requests, channel -> {
            ServerTls tls = selected.apply(channel);
            return tls == null ? null : tls.judge;
        });
    }

    /** Whether {@code context} is one of this policy's contexts (the one the SNI lookup chose). */
    public boolean owns(SslContext context) {
        for (SslContext c : contexts) {
            if (c == context) {
                return true;
            }
        }
        return false;
    }

    /**
     * Loads every certificate and key of {@code tls} and builds the contexts.
     *
     * @param judge the client-certificate policy, or {@code null} for mode {@code off}
     * @throws ConfigException naming the file and key of a certificate or key that cannot be loaded or
     *                         that do not belong together
     */
    public static ServerTls build(TlsConfig tls, ClientCertificateJudge judge) throws ConfigException {
        return build(tls, judge, "");
    }

    /**
     * As {@link #build(TlsConfig, ClientCertificateJudge)}, for a listener whose mutual-authentication
     * policy is described by {@code policy}: sessions resume only on a context of the same policy and the
     * same certificate ({@link SessionResumption}).
     */
    public static ServerTls build(TlsConfig tls, ClientCertificateJudge judge, String policy) throws ConfigException {
        SessionResumption resumption = SessionResumption.of(tls.sessionResumption(), judge != null, policy);
        List<SslContext> contexts = new ArrayList<>();
        List<X509Certificate> leaves = new ArrayList<>();
        boolean rsa = false;
        boolean ecdsa = false;
        DomainWildcardMappingBuilder<SslContext> mapping = null;
        SslProvider provider = TlsProvider.forListener(tls).provider();
        for (CertificateKeyPair pair : tls.certificates()) {
            KeyMaterial material = KeyMaterial.load(pair);
            SslContext ctx;
            try {
                ctx = context(material.key(), material.chain(), tls, provider, judge, resumption);
            } catch (Exception e) {
                contexts.forEach(io.netty.util.ReferenceCountUtil::release);
                throw new ConfigException(pair.certificateAt(), "cannot use " + pair.certificate() + " with "
                        + pair.privateKey() + ": " + e.getMessage(), e);
            }
            contexts.add(ctx);
            leaves.add(material.leaf());
            String keyAlgorithm = material.leaf().getPublicKey().getAlgorithm();
            rsa |= keyAlgorithm.equals("RSA");
            ecdsa |= keyAlgorithm.equals("EC");
            if (mapping == null) {
                mapping = new DomainWildcardMappingBuilder<>(ctx);
            }
            for (String name : dnsNames(material.leaf())) {
                mapping.add(name, ctx);
            }
        }
        return new ServerTls(mapping.build(), List.copyOf(contexts), judge, new KeyTypes(rsa, ecdsa), List.copyOf(leaves),
                resumption.enabled());
    }

    /**
     * Releases the contexts (their native memory; connections still using one keep it alive until they
     * end). Once, when the runtime state that built them is closed.
     */
    public void close() {
        for (SslContext ctx : contexts) {
            io.netty.util.ReferenceCountUtil.release(ctx);
        }
    }

    /** References held on the native contexts, all together (each one's own and its connections'), or -1 (JDK). */
    int references() {
        int n = 0;
        for (SslContext ctx : contexts) {
            if (!(ctx instanceof ReferenceCounted counted)) {
                return -1;
            }
            n += counted.refCnt();
        }
        return n;
    }

    /** The SNI mapping: host name to context, the first certificate's context for anything else. */
    public Mapping<String, SslContext> sni() {
        return sni;
    }

    /** The context of a listener with a single certificate (no choice by server name), else {@code null}. */
    public SslContext onlyContext() {
        return contexts.size() == 1 ? contexts.get(0) : null;
    }

    /**
     * The client-certificate policy, or {@code null} when the listener's mode is {@code off}; open
     * connections are judged again with it after a reload.
     */
    public ClientCertificateJudge judge() {
        return judge;
    }

    /**
     * Per-connection engine settings that contexts cannot carry: without session resumption, no session
     * tickets (TLS 1.3 turns them on per engine). In verify mode the TLS stack is also told to
     * hand over up to {@link #PRESENTED_CHAIN_LIMIT} presented certificates (its default stops at 10), so
     * that the verifier sees a chain longer than its limit of 10 and refuses it as
     * {@code ClientCertMaxSizeExceeded} instead of judging a truncated one.
     */
    public void prepare(SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine)) {
            TlsProvider.prepareJdkEngine(engine, SIGNATURE_SCHEMES);
        }
        if (!(engine instanceof ReferenceCountedOpenSslEngine e)) {
            return;
        }
        long ssl = e.sslPointer();
        if (!resumes) {
            // No session tickets (TLS 1.2 and 1.3): every connection makes a full handshake.
            SSL.setOptions(ssl, SSL.SSL_OP_NO_TICKET);
        }
        if (judge != null && judge.verifies()) {
            SSL.setVerify(ssl, judge.requiresCertificate() ? SSL.SSL_CVERIFY_REQUIRED : SSL.SSL_CVERIFY_OPTIONAL,
                    PRESENTED_CHAIN_LIMIT);
        }
    }

    /**
     * Reads what the handshake on {@code ssl} established, once, when it ended ({@code failureCause}
     * {@code null}: it succeeded). Takes the verifier's judgement of the connection; after a success on a
     * listener with client certificates and the JDK provider (whose one-entry session cache cannot be
     * turned off) it invalidates the session, so it is never resumed (session resumption needs BoringSSL).
     */
    public HandshakeFacts handshakeEnded(SslHandler ssl, Throwable failureCause) {
        SSLEngine engine = ssl == null ? null : ssl.engine();
        ClientCertificateJudge.Judgement judgement = judge == null || engine == null ? null : judge.takeJudgement(engine);
        Verdict verdict = judgement == null ? null : judgement.verdict();
        if (failureCause != null || engine == null) {
            String failure;
            if (verdict != null && !verdict.isSuccess()) {
                failure = verdict.status();
            } else if (judge != null && judge.requiresCertificate() && isMissingCertificate(failureCause)) {
                failure = FailureCode.CLIENT_CERT_MISSING.logName();
            } else {
                failure = "UnmappedConnectionError";
            }
            return new HandshakeFacts(failure, null, null, null, null,
                    judgement == null ? null : judgement.presented(), verdict);
        }
        SSLSession session = engine.getSession();
        String cipher = session.getCipherSuite();
        String group = null;
        if (engine instanceof ReferenceCountedOpenSslEngine openssl) {
            long ptr = openssl.sslPointer();
            if (ptr != 0) {
                cipher = SSL.getCipherForSSL(ptr);
                try {
                    group = SSL.getGroupName(ptr);
                } catch (Exception e) {
                    group = null;
                }
            }
        }
        if (!(engine instanceof ReferenceCountedOpenSslEngine)) {
            cipher = TlsCipherSuites.openSsl(cipher); // as BoringSSL names it
        }
        X509Certificate[] chain = peerChain(session);
        HandshakeFacts facts = new HandshakeFacts(null, session.getProtocol(), cipher, group, ssl.applicationProtocol(),
                chain, verdict);
        if (judge != null && !(engine instanceof ReferenceCountedOpenSslEngine)) {
            session.invalidate();
        }
        return facts;
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        try {
            Certificate[] certs = session.getPeerCertificates();
            X509Certificate[] chain = new X509Certificate[certs.length];
            for (int i = 0; i < certs.length; i++) {
                chain[i] = (X509Certificate) certs[i];
            }
            return chain.length == 0 ? null : chain;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /** BoringSSL: PEER_DID_NOT_RETURN_A_CERTIFICATE; JDK: "Empty client certificate chain". */
    private static boolean isMissingCertificate(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("CERTIFICATE_REQUIRED")
                    || m.contains("Empty client certificate chain"))) {
                return true;
            }
        }
        return false;
    }

    /** How many presented certificates the TLS stack hands to the verifier at most. */
    static final int PRESENTED_CHAIN_LIMIT = 32;

    private static SslContext context(PrivateKey key, List<X509Certificate> chain, TlsConfig tls,
                                      SslProvider provider, ClientCertificateJudge judge,
                                      SessionResumption resumption) throws Exception {
        List<String> ciphers = new ArrayList<>(TlsCipherSuites.TLS13);
        ciphers.addAll(tls.tls12Suites());
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(tls.policy() == TlsConfig.TlsPolicy.TLS13_ONLY ? new String[] {"TLSv1.3"}
                        : new String[] {"TLSv1.3", "TLSv1.2"})
                // The provider has every one of them (TlsProvider.forListener): none is dropped silently.
                .ciphers(ciphers)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        if (judge != null) {
            b.trustManager(resumption.enabled() ? new ResumableJudge(judge) : judge)
                    .clientAuth(judge.requiresCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        resumption.configure(b);
        if (provider == SslProvider.OPENSSL) {
            b.option(OpenSslContextOption.GROUPS, new String[] {"X25519", "P-256", "P-384"});
        }
        SslContext ctx = b.build();
        try {
            resumption.configure(ctx, chain.get(0));
        } catch (RuntimeException e) {
            io.netty.util.ReferenceCountUtil.release(ctx);
            throw e;
        }
        return ctx;
    }

    private static Set<String> dnsNames(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (((Integer) san.get(0)) == 2) {
                        names.add(((String) san.get(1)).toLowerCase(java.util.Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // No usable SANs: the certificate is only reachable as the default.
        }
        return names;
    }
}
