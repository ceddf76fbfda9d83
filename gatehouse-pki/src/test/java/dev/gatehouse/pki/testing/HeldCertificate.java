package dev.gatehouse.pki.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v1CertificateBuilder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v1CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate and its private key, made at test time: nothing checked in can expire.
 *
 * <pre>{@code
 * HeldCertificate root = HeldCertificate.builder().commonName("Root").ca(1).build();
 * HeldCertificate client = HeldCertificate.builder().commonName("client-1").signedBy(root).clientAuth().build();
 * client.writeTo(dir, "client");   // client.pem (leaf + chain given to writeTo), client.key (PKCS#8)
 * }</pre>
 *
 * Defaults: EC P-256 key signed with SHA256withECDSA (RSA keys: SHA256withRSA), X.509 v3, a random
 * positive 16-byte serial, valid from one hour ago for one day, self-signed, no EKU, not a CA.
 */
public final class HeldCertificate {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keyPair;
    private final X509Certificate certificate;

    private HeldCertificate(KeyPair keyPair, X509Certificate certificate) {
        this.keyPair = keyPair;
        this.certificate = certificate;
    }

    public static Builder builder() {
        return new Builder();
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return pem("CERTIFICATE", encoded(certificate));
    }

    /** PKCS#8 ({@code BEGIN PRIVATE KEY}). */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }

    /** Writes {@code NAME.pem} (this certificate followed by {@code chain}) and {@code NAME.key}. */
    public Path writeTo(Path dir, String name, HeldCertificate... chain) throws IOException {
        StringBuilder sb = new StringBuilder(certificatePem());
        for (HeldCertificate c : chain) {
            sb.append(c.certificatePem());
        }
        Path pem = dir.resolve(name + ".pem");
        Files.writeString(pem, sb.toString(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(name + ".key"), privateKeyPem(), StandardCharsets.US_ASCII);
        return pem;
    }

    /** Canonical PEM: base64 in 64-character lines, LF line ends, ending with a newline. */
    public static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    public static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CRL signed by {@code issuer} listing {@code revokedSerials}, valid from an hour ago for {@code validFor}. */
    public static X509CRL crl(HeldCertificate issuer, Duration validFor, BigInteger... revokedSerials) {
        Instant now = Instant.now();
        return crl(issuer, now.minus(Duration.ofHours(1)), now.plus(validFor), revokedSerials);
    }

    public static X509CRL crl(HeldCertificate issuer, Instant thisUpdate, Instant nextUpdate, BigInteger... revoked) {
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(
                    X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (BigInteger serial : revoked) {
                b.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.certificate.getPublicKey()));
            b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
            X509CRLHolder holder = b.build(signer(issuer.keyPair, null));
            return (X509CRL) CertificateFactory.getInstance("X.509")
                    .generateCRL(new java.io.ByteArrayInputStream(holder.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String crlPem(X509CRL crl) {
        try {
            return pem("X509 CRL", crl.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ContentSigner signer(KeyPair kp, String algorithm) throws OperatorCreationException {
        String alg = algorithm != null ? algorithm
                : kp.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(alg).build(kp.getPrivate());
    }

    /** Builds a {@link HeldCertificate}; every method documents its default. */
    public static final class Builder {
        private String subject;
        private BigInteger serial;
        private Instant notBefore;
        private Instant notAfter;
        private String keyAlgorithm = "EC";
        private int keySize = 256;
        private String curve = "secp256r1";
        private KeyPair keyPair;
        private HeldCertificate issuer;
        private int maxIntermediates = -2; // -2: not a CA; -1: CA without path length
        private boolean caWithoutBasicConstraintsCa;
        private final List<GeneralName> sans = new ArrayList<>();
        private final List<KeyPurposeId> ekus = new ArrayList<>();
        private Integer keyUsage;
        private boolean v1;
        private boolean keyIdentifiers = true;
        private String signatureAlgorithm;
        private final List<Object[]> extraExtensions = new ArrayList<>();

        private Builder() {}

        /** Subject {@code CN=name}. Default: a random CN. */
        public Builder commonName(String cn) {
            this.subject = "CN=" + cn.replace(",", "\\,");
            return this;
        }

        /**
         * Subject as a comma-separated list of RDNs in encoding order: {@code CN=a,O=Acme} is encoded CN first,
         * so RFC 2253 output (which lists the last-encoded RDN first) shows it as {@code O=Acme,CN=a}. Compare
         * against the certificate's own formatted subject, not against this string.
         */
        public Builder subject(String rfc4514) {
            this.subject = rfc4514;
            return this;
        }

        /** Default: random positive 16 bytes. */
        public Builder serial(BigInteger serial) {
            this.serial = serial;
            return this;
        }

        /** Default: from one hour ago for one day. */
        public Builder validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        public Builder expired() {
            Instant now = Instant.now();
            return validity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        }

        public Builder notYetValid() {
            Instant now = Instant.now();
            return validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(10)));
        }

        /** EC key on the named curve (default secp256r1). */
        public Builder ec(String curveName) {
            this.keyAlgorithm = "EC";
            this.curve = curveName;
            return this;
        }

        /** RSA key of {@code bits} bits (default: EC P-256). */
        public Builder rsa(int bits) {
            this.keyAlgorithm = "RSA";
            this.keySize = bits;
            return this;
        }

        /** Reuse a key pair (default: a new one). */
        public Builder keyPair(KeyPair kp) {
            this.keyPair = kp;
            return this;
        }

        /** Default: self-signed. */
        public Builder signedBy(HeldCertificate issuer) {
            this.issuer = issuer;
            return this;
        }

        /** A CA ({@code CA:TRUE}, keyCertSign+cRLSign) with a path length constraint ({@code -1}: none). */
        public Builder ca(int maxIntermediates) {
            this.maxIntermediates = maxIntermediates;
            return this;
        }

        /** A certificate that signs others but has no {@code CA:TRUE} (invalid as an issuer). */
        public Builder notCaButSigns() {
            this.caWithoutBasicConstraintsCa = true;
            return this;
        }

        public Builder addSanDns(String dns) {
            sans.add(new GeneralName(GeneralName.dNSName, dns));
            return this;
        }

        public Builder addSanIp(String ip) {
            sans.add(new GeneralName(GeneralName.iPAddress, ip));
            return this;
        }

        public Builder addSanUri(String uri) {
            sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        public Builder addSanEmail(String email) {
            sans.add(new GeneralName(GeneralName.rfc822Name, email));
            return this;
        }

        /** Adds EKU clientAuth (default: no EKU extension). */
        public Builder clientAuth() {
            ekus.add(KeyPurposeId.id_kp_clientAuth);
            return this;
        }

        /** Adds EKU serverAuth (default: no EKU extension). */
        public Builder serverAuth() {
            ekus.add(KeyPurposeId.id_kp_serverAuth);
            return this;
        }

        /** KeyUsage bits ({@link KeyUsage} constants). Default: CA keyCertSign|cRLSign; leaf digitalSignature (+keyEncipherment for RSA). */
        public Builder keyUsage(int bits) {
            this.keyUsage = bits;
            return this;
        }

        /** No subject or authority key identifier (default: both), as some private CAs issue. */
        public Builder withoutKeyIdentifiers() {
            this.keyIdentifiers = false;
            return this;
        }

        /** An X.509 v1 certificate (no extensions at all). */
        public Builder v1() {
            this.v1 = true;
            return this;
        }

        /** Default: SHA256withECDSA or SHA256withRSA by the issuer's key. */
        public Builder signatureAlgorithm(String alg) {
            this.signatureAlgorithm = alg;
            return this;
        }

        public Builder extension(String oid, boolean critical, ASN1Encodable value) {
            extraExtensions.add(new Object[] {new ASN1ObjectIdentifier(oid), critical, value});
            return this;
        }

        public HeldCertificate build() {
            try {
                KeyPair kp = keyPair != null ? keyPair : newKeyPair();
                X500Name subjectName = new X500Name(subject != null ? subject
                        : "CN=test-" + Long.toHexString(RANDOM.nextLong()));
                X500Name issuerName = issuer == null ? subjectName
                        : X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded());
                KeyPair signingKey = issuer == null ? kp : issuer.keyPair;
                Instant now = Instant.now();
                Date from = Date.from(notBefore != null ? notBefore : now.minus(Duration.ofHours(1)));
                Date to = Date.from(notAfter != null ? notAfter : now.plus(Duration.ofDays(1)));
                BigInteger sn = serial != null ? serial : new BigInteger(1, randomBytes(16)).setBit(120);
                ContentSigner signer = signer(signingKey, signatureAlgorithm);
                X509CertificateHolder holder;
                if (v1) {
                    X509v1CertificateBuilder b = new JcaX509v1CertificateBuilder(issuerName, sn, from, to, subjectName, kp.getPublic());
                    holder = b.build(signer);
                } else {
                    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, sn, from, to, subjectName, kp.getPublic());
                    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                    if (keyIdentifiers) {
                        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
                        b.addExtension(Extension.authorityKeyIdentifier, false,
                                ext.createAuthorityKeyIdentifier(signingKey.getPublic()));
                    }
                    boolean isCa = maxIntermediates != -2;
                    if (isCa) {
                        b.addExtension(Extension.basicConstraints, true,
                                maxIntermediates >= 0 ? new BasicConstraints(maxIntermediates) : new BasicConstraints(true));
                    } else if (caWithoutBasicConstraintsCa) {
                        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    }
                    int ku = keyUsage != null ? keyUsage
                            : isCa || caWithoutBasicConstraintsCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                            : kp.getPublic().getAlgorithm().equals("RSA")
                                    ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature;
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(ku));
                    if (!sans.isEmpty()) {
                        b.addExtension(Extension.subjectAlternativeName, false,
                                new GeneralNames(sans.toArray(new GeneralName[0])));
                    }
                    if (!ekus.isEmpty()) {
                        b.addExtension(Extension.extendedKeyUsage, false,
                                new ExtendedKeyUsage(ekus.toArray(new KeyPurposeId[0])));
                    }
                    for (Object[] e : extraExtensions) {
                        b.addExtension((ASN1ObjectIdentifier) e[0], (Boolean) e[1], (ASN1Encodable) e[2]);
                    }
                    holder = b.build(signer);
                }
                X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new java.io.ByteArrayInputStream(holder.getEncoded()));
                return new HeldCertificate(kp, cert);
            } catch (Exception e) {
                throw new IllegalStateException("cannot build test certificate: " + e, e);
            }
        }

        private KeyPair newKeyPair() throws GeneralSecurityException {
            KeyPairGenerator g = KeyPairGenerator.getInstance(keyAlgorithm);
            if (keyAlgorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec(curve));
            } else {
                g.initialize(keySize);
            }
            return g.generateKeyPair();
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            RANDOM.nextBytes(b);
            return b;
        }
    }

}
