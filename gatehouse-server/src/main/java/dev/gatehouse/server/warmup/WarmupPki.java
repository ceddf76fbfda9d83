package dev.gatehouse.server.warmup;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The warm-up's throwaway PKI, in memory: a root, an intermediate that issues devices (as a fleet's CA
 * does), a server certificate for {@code localhost}, and a returning client issued by the root. Every
 * device shares one key pair (the gateway checks each device certificate's signature by its issuer, and
 * BoringSSL checks the device's own signature natively), so a new device costs one signature here.
 */
final class WarmupPki {
    private static final Duration VALID = Duration.ofHours(1);
    /**
     * Devices are signed with BouncyCastle, whose P-256 arithmetic the gateway's verifier uses too: the JIT
     * work of signing them is then work the gateway needs anyway.
     */
    private static final Provider BC = new BouncyCastleProvider();

    final KeyPair rootKey;
    final X509Certificate root;
    final KeyPair intermediateKey;
    final X509Certificate intermediate;
    final KeyPair serverKey;
    final X509Certificate server;
    final KeyPair clientKey;
    final X509Certificate client;
    final KeyPair deviceKey;
    /** A client whose certificate no trust store knows: self-signed, as a stranger's would be. */
    final KeyPair strangerKey;
    final X509Certificate stranger;
    private final AtomicLong serials = new AtomicLong(System.nanoTime() & 0xffff_ffffL);
    private final JcaX509ExtensionUtils extensions;

    WarmupPki() throws GeneralSecurityException {
        extensions = new JcaX509ExtensionUtils();
        rootKey = newKey();
        root = issue("CN=Gatehouse warm-up root", rootKey.getPublic(), "CN=Gatehouse warm-up root", rootKey, null, true,
                null, null);
        intermediateKey = newKey();
        intermediate = issue("CN=Gatehouse warm-up devices", intermediateKey.getPublic(), "CN=Gatehouse warm-up root",
                rootKey, root, true, null, null);
        serverKey = newKey();
        server = issue("CN=localhost", serverKey.getPublic(), "CN=Gatehouse warm-up root", rootKey, root, false,
                KeyPurposeId.id_kp_serverAuth, new GeneralName(GeneralName.dNSName, "localhost"));
        clientKey = newKey();
        client = issue("CN=warm-up client", clientKey.getPublic(), "CN=Gatehouse warm-up root", rootKey, root, false,
                KeyPurposeId.id_kp_clientAuth,
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://warmup.local/client"));
        deviceKey = newKey();
        strangerKey = newKey();
        stranger = issue("CN=warm-up stranger", strangerKey.getPublic(), "CN=warm-up stranger", strangerKey, null,
                false, KeyPurposeId.id_kp_clientAuth, null);
    }

    /** A device the gateway has never seen: a new serial and name under the intermediate. */
    X509Certificate newDevice() throws GeneralSecurityException {
        long n = serials.incrementAndGet();
        return issue("CN=device-" + n, deviceKey.getPublic(), "CN=Gatehouse warm-up devices", intermediateKey,
                intermediate, false, KeyPurposeId.id_kp_clientAuth, null);
    }

    private X509Certificate issue(String subject, PublicKey key, String issuer, KeyPair issuerKey,
            X509Certificate issuerCert, boolean ca, KeyPurposeId usage, GeneralName san) throws GeneralSecurityException {
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer),
                    BigInteger.valueOf(serials.incrementAndGet()), Date.from(now.minus(VALID)), Date.from(now.plus(VALID)),
                    new X500Name(subject), key);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(key));
            b.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                    ? extensions.createAuthorityKeyIdentifier(key)
                    : extensions.createAuthorityKeyIdentifier(issuerCert.getPublicKey()));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage));
            }
            if (san != null) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(BC).build(issuerKey.getPrivate())));
        } catch (OperatorCreationException | java.io.IOException e) {
            throw new GeneralSecurityException("cannot issue the warm-up certificate " + subject, e);
        }
    }

    private static KeyPair newKey() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
