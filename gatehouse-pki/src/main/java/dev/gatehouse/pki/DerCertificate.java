package dev.gatehouse.pki;

import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Principal;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * A certificate kept as little as possible: its DER bytes and its validity dates. Everything else is
 * parsed afresh on each call and not kept.
 *
 * <p>The verdict cache holds one leaf per client it has seen (tens of thousands of devices). A parsed
 * certificate costs several kilobytes of live objects; this costs its encoding and two numbers. The
 * cache's hot path asks a kept leaf only for its validity (re-checked on every hit) and its encoding; the
 * identity of the client was derived from the parsed certificate before it was kept. Immutable.
 */
final class DerCertificate extends X509Certificate {
    private final byte[] der;
    private final long notBefore;
    private final long notAfter;

    private DerCertificate(byte[] der, long notBefore, long notAfter) {
        this.der = der;
        this.notBefore = notBefore;
        this.notAfter = notAfter;
    }

    /** {@code c} kept as its encoding and validity ({@code c} itself if it already is). */
    static X509Certificate of(X509Certificate c) {
        if (c instanceof DerCertificate) {
            return c;
        }
        return new DerCertificate(TrustStore.encoded(c), c.getNotBefore().getTime(), c.getNotAfter().getTime());
    }

    private X509Certificate parsed() {
        try {
            return Pem.decodeCertificates(new byte[][] {der}).get(0);
        } catch (PkiException e) {
            // It was parsed once already, from these very bytes.
            throw new IllegalStateException("kept certificate no longer parses: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] getEncoded() {
        return der.clone();
    }

    @Override
    public Date getNotBefore() {
        return new Date(notBefore);
    }

    @Override
    public Date getNotAfter() {
        return new Date(notAfter);
    }

    @Override
    public void checkValidity() throws CertificateExpiredException, CertificateNotYetValidException {
        checkValidity(new Date());
    }

    @Override
    public void checkValidity(Date date) throws CertificateExpiredException, CertificateNotYetValidException {
        if (date.getTime() < notBefore) {
            throw new CertificateNotYetValidException("not valid before " + getNotBefore().toInstant());
        }
        if (date.getTime() > notAfter) {
            throw new CertificateExpiredException("not valid after " + getNotAfter().toInstant());
        }
    }

    @Override
    public int getVersion() {
        return parsed().getVersion();
    }

    @Override
    public BigInteger getSerialNumber() {
        return parsed().getSerialNumber();
    }

    @SuppressWarnings("deprecation")
    @Override
    public Principal getIssuerDN() {
        return parsed().getIssuerDN();
    }

    @SuppressWarnings("deprecation")
    @Override
    public Principal getSubjectDN() {
        return parsed().getSubjectDN();
    }

    @Override
    public X500Principal getIssuerX500Principal() {
        return parsed().getIssuerX500Principal();
    }

    @Override
    public X500Principal getSubjectX500Principal() {
        return parsed().getSubjectX500Principal();
    }

    @Override
    public byte[] getTBSCertificate() throws CertificateEncodingException {
        return parsed().getTBSCertificate();
    }

    @Override
    public byte[] getSignature() {
        return parsed().getSignature();
    }

    @Override
    public String getSigAlgName() {
        return parsed().getSigAlgName();
    }

    @Override
    public String getSigAlgOID() {
        return parsed().getSigAlgOID();
    }

    @Override
    public byte[] getSigAlgParams() {
        return parsed().getSigAlgParams();
    }

    @Override
    public boolean[] getIssuerUniqueID() {
        return parsed().getIssuerUniqueID();
    }

    @Override
    public boolean[] getSubjectUniqueID() {
        return parsed().getSubjectUniqueID();
    }

    @Override
    public boolean[] getKeyUsage() {
        return parsed().getKeyUsage();
    }

    @Override
    public List<String> getExtendedKeyUsage() throws CertificateParsingException {
        return parsed().getExtendedKeyUsage();
    }

    @Override
    public int getBasicConstraints() {
        return parsed().getBasicConstraints();
    }

    @Override
    public Collection<List<?>> getSubjectAlternativeNames() throws CertificateParsingException {
        return parsed().getSubjectAlternativeNames();
    }

    @Override
    public Collection<List<?>> getIssuerAlternativeNames() throws CertificateParsingException {
        return parsed().getIssuerAlternativeNames();
    }

    @Override
    public boolean hasUnsupportedCriticalExtension() {
        return parsed().hasUnsupportedCriticalExtension();
    }

    @Override
    public Set<String> getCriticalExtensionOIDs() {
        return parsed().getCriticalExtensionOIDs();
    }

    @Override
    public Set<String> getNonCriticalExtensionOIDs() {
        return parsed().getNonCriticalExtensionOIDs();
    }

    @Override
    public byte[] getExtensionValue(String oid) {
        return parsed().getExtensionValue(oid);
    }

    @Override
    public PublicKey getPublicKey() {
        return parsed().getPublicKey();
    }

    @Override
    public void verify(PublicKey key) throws CertificateException, NoSuchAlgorithmException, InvalidKeyException,
            NoSuchProviderException, SignatureException {
        parsed().verify(key);
    }

    @Override
    public void verify(PublicKey key, String sigProvider) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, NoSuchProviderException, SignatureException {
        parsed().verify(key, sigProvider);
    }

    @Override
    public void verify(PublicKey key, Provider sigProvider) throws CertificateException, NoSuchAlgorithmException,
            InvalidKeyException, SignatureException {
        parsed().verify(key, sigProvider);
    }

    @Override
    public String toString() {
        return parsed().toString();
    }
}
