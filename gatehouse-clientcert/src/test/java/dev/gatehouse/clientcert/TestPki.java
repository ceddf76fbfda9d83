package dev.gatehouse.clientcert;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyQualifierInfo;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates generated at test time (nothing checked in can expire): a certificate with its key,
 * issued by another or self-signed, valid from an hour ago for a day.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xffffff);

    private TestPki() {
    }

    /** A certificate and its private key. */
    public static final class Held {
        public final X509Certificate certificate;
        public final KeyPair keys;

        Held(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }
    }

    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Held selfSigned(String dn, KeyPair keys, boolean ca, GeneralName... sans) {
        return build(new X500Principal(dn), keys, new X500Principal(dn), keys, ca, false, sans);
    }

    public static Held issue(Held issuer, String dn, KeyPair keys, boolean ca, GeneralName... sans) {
        return build(new X500Principal(dn), keys, issuer.certificate.getSubjectX500Principal(),
                issuer.keys, ca, false, sans);
    }

    /**
     * As a public or enterprise CA typically issues: with subject and authority key identifiers, a
     * CRL distribution point, authority information access and a certificate policy.
     */
    public static Held issueTypical(Held issuer, String dn, KeyPair keys, boolean ca) {
        X500Principal issuerName = issuer == null ? new X500Principal(dn) : issuer.certificate.getSubjectX500Principal();
        KeyPair issuerKeys = issuer == null ? keys : issuer.keys;
        return build(new X500Principal(dn), keys, issuerName, issuerKeys, ca, true);
    }

    private static Held build(X500Principal subject, KeyPair keys, X500Principal issuer, KeyPair issuerKeys,
                              boolean ca, boolean typical, GeneralName... sans) {
        PrivateKey signer = issuerKeys.getPrivate();
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, ca
                    ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                    : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            if (typical) {
                JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
                b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
                b.addExtension(Extension.authorityKeyIdentifier, false,
                        utils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
                GeneralName crl = new GeneralName(GeneralName.uniformResourceIdentifier,
                        "http://crl.pki.example.com/issuing-ca-01/latest.crl");
                b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                    new DistributionPoint(new DistributionPointName(new GeneralNames(crl)), null, null)}));
                b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(new AccessDescription[] {
                    new AccessDescription(AccessDescription.id_ad_caIssuers, new GeneralName(
                            GeneralName.uniformResourceIdentifier, "http://aia.pki.example.com/issuing-ca-01.cer")),
                    new AccessDescription(AccessDescription.id_ad_ocsp, new GeneralName(
                            GeneralName.uniformResourceIdentifier, "http://ocsp.pki.example.com"))}));
                b.addExtension(Extension.certificatePolicies, false, new CertificatePolicies(new PolicyInformation(
                        new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1.2.3"), new DERSequence(
                        new PolicyQualifierInfo("https://pki.example.com/cps")))));
                if (!ca) {
                    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                }
            }
            if (sans.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            }
            String alg = signer.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
            return new Held(cert, keys);
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test certificate " + subject, e);
        }
    }

    /**
     * A presented chain of {@code length} certificates, leaf first, ending with a self-signed root;
     * keys drawn from {@code keyPool}; names and SANs with characters that need quoting or escaping.
     */
    public static List<X509Certificate> randomChain(Random random, int length, List<KeyPair> keyPool) {
        List<Held> issuedRootFirst = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            KeyPair keys = keyPool.get(random.nextInt(keyPool.size()));
            boolean leaf = i == length - 1;
            String dn = "CN=" + randomName(random) + (leaf ? ",O=Partner \\\"Q\\\"\\, Inc.,C=DE" : ",OU=CA " + i);
            GeneralName[] sans = leaf ? new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "svc-" + random.nextInt(1000) + ".example.com"),
                new GeneralName(GeneralName.dNSName, "*.api.example.org"),
                new GeneralName(GeneralName.uniformResourceIdentifier,
                        "spiffe://example.org/ns/a;b=c,d/sa/" + random.nextInt(1000))
            } : new GeneralName[0];
            Held held = i == 0 ? selfSigned(dn, keys, !leaf, sans)
                    : issue(issuedRootFirst.get(i - 1), dn, keys, !leaf, sans);
            issuedRootFirst.add(held);
        }
        List<X509Certificate> leafFirst = new ArrayList<>();
        for (int i = issuedRootFirst.size() - 1; i >= 0; i--) {
            leafFirst.add(issuedRootFirst.get(i).certificate);
        }
        return leafFirst;
    }

    private static String randomName(Random random) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 -+=;/é";
        StringBuilder sb = new StringBuilder("client ");
        int n = 3 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString().trim().replace("+", "\\+").replace("=", "\\=").replace(";", "\\;");
    }

    /** PKCS#8 PEM of a private key, as nginx reads it. */
    public static String privateKeyPem(PrivateKey key) {
        StringWriter w = new StringWriter();
        w.write("-----BEGIN PRIVATE KEY-----\n");
        w.write(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded()));
        w.write("\n-----END PRIVATE KEY-----\n");
        return w.toString();
    }

    /** An SSL context presenting {@code chain} (with {@code key}) and trusting {@code anchor}. */
    public static SSLContext sslContext(PrivateKey key, List<X509Certificate> chain, X509Certificate anchor) {
        try {
            char[] password = "test".toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            keyStore.setKeyEntry("client", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("anchor", anchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
