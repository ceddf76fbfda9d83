package dev.gatehouse.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds and signs the certificates of the CA's profiles. Every certificate is X.509 v3 with a
 * subject key identifier, valid from {@link #BACKDATE} before now (clock skew between machines) and
 * never beyond its issuer's not-after.
 *
 * <ul>
 *   <li>Root: {@code CA:TRUE} (critical, no path length), key usage keyCertSign and cRLSign (critical).
 *   <li>Intermediate: {@code CA:TRUE, pathlen:0} (critical), keyCertSign and cRLSign (critical),
 *       authority key identifier.
 *   <li>Leaf: see {@link IssuanceProfile}.
 * </ul>
 */
final class CertificateSigner {
    static final Duration BACKDATE = Duration.ofMinutes(5);

    private CertificateSigner() {
    }

    /** The issuer side of a signature: its certificate (absent for a self-signed root) and key. */
    static final class Issuer {
        final X509Certificate certificate;
        final PrivateKey key;

        Issuer(X509Certificate certificate, PrivateKey key) {
            this.certificate = certificate;
            this.key = key;
        }
    }

    static X509Certificate root(X500Principal subject, PublicKey publicKey, PrivateKey key, BigInteger serial,
            Instant now, int days) throws GeneralSecurityException {
        Instant notAfter = now.plus(Duration.ofDays(days));
        X509v3CertificateBuilder b = builder(subject, subject, publicKey, serial, now, notAfter);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ski(publicKey));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return sign(b, key);
    }

    static X509Certificate intermediate(Issuer issuer, X500Principal subject, PublicKey publicKey, BigInteger serial,
            Instant now, int days) throws GeneralSecurityException {
        X509v3CertificateBuilder b = issuedBuilder(issuer, subject, publicKey, serial, now, days);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return sign(b, issuer.key);
    }

    static X509Certificate leaf(Issuer issuer, IssueRequest request, PublicKey publicKey, BigInteger serial,
            Instant now) throws GeneralSecurityException {
        X509v3CertificateBuilder b = issuedBuilder(issuer, request.subject(), publicKey, serial, now, request.days());
        int usage = KeyUsage.digitalSignature;
        if (publicKey instanceof RSAKey) {
            // TLS 1.2 RSA key exchange encrypts the premaster secret to the server's key.
            usage |= KeyUsage.keyEncipherment;
        }
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(request.profile().extendedKeyUsage()));
            List<SubjectAltName> sans = request.subjectAltNames();
            if (!sans.isEmpty()) {
                GeneralName[] names = sans.stream().map(SubjectAltName::toGeneralName).toArray(GeneralName[]::new);
                // RFC 5280 4.2.1.6: critical when the subject is empty.
                boolean critical = request.subject().getEncoded().length <= 2;
                b.addExtension(Extension.subjectAlternativeName, critical, new GeneralNames(names));
            }
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return sign(b, issuer.key);
    }

    private static X509v3CertificateBuilder issuedBuilder(Issuer issuer, X500Principal subject, PublicKey publicKey,
            BigInteger serial, Instant now, int days) throws GeneralSecurityException {
        Instant notAfter = now.plus(Duration.ofDays(days));
        Instant issuerNotAfter = issuer.certificate.getNotAfter().toInstant();
        if (notAfter.isAfter(issuerNotAfter)) {
            notAfter = issuerNotAfter;
        }
        X509v3CertificateBuilder b = builder(issuer.certificate.getSubjectX500Principal(), subject, publicKey,
                serial, now, notAfter);
        try {
            b.addExtension(Extension.subjectKeyIdentifier, false, ski(publicKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, aki(issuer.certificate));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return b;
    }

    private static X509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, PublicKey publicKey,
            BigInteger serial, Instant now, Instant notAfter) {
        return new JcaX509v3CertificateBuilder(Names.x500Name(issuer), serial,
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), Names.x500Name(subject), publicKey);
    }

    static SubjectKeyIdentifier ski(PublicKey key) throws GeneralSecurityException {
        return new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key);
    }

    /** The issuer's own subject key identifier, so that AKI and SKI match byte for byte. */
    static AuthorityKeyIdentifier aki(X509Certificate issuer) throws GeneralSecurityException {
        X509CertificateHolder h = new JcaX509CertificateHolder(issuer);
        SubjectKeyIdentifier ski = SubjectKeyIdentifier.fromExtensions(h.getExtensions());
        if (ski != null) {
            return new AuthorityKeyIdentifier(ski.getKeyIdentifier());
        }
        return new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey());
    }

    static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaContentSignerBuilder(KeySpec.signatureAlgorithm(key)).build(key);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with the CA key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(b.build(signer(key)));
    }
}
