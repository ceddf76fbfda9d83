package dev.gatehouse.clientcert;

import java.io.ByteArrayInputStream;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * X.509 certificates in DER: parse one that fills its bytes exactly (no trailing bytes, checked against the
 * length its outer SEQUENCE declares), encode one with a clear failure. Certificates only; the DER
 * structures inside them are the JDK's to read.
 */
final class DerCertificates {

    private DerCertificates() {
    }

    static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 CertificateFactory", e);
        }
    }

    /**
     * Parses one DER certificate that must fill {@code der} exactly.
     *
     * @param offset received offset of the text the bytes were decoded from, for errors
     */
    static X509Certificate parse(CertificateFactory factory, byte[] der, int offset, String what) {
        int declared = declaredLength(der);
        if (declared < 0) {
            throw new ForwardedClientCertException(what + " does not start with a DER SEQUENCE"
                    + " (expected: base64 of a DER X.509 certificate, which starts with 'MI')", offset);
        }
        if (declared != der.length) {
            throw new ForwardedClientCertException(what + " is " + der.length + " bytes but its DER"
                    + " header declares " + declared + " (expected: equal; the value is truncated or"
                    + " corrupted)", offset);
        }
        Certificate cert;
        try {
            cert = factory.generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new ForwardedClientCertException(what + " is not a valid X.509 certificate: "
                    + e.getMessage(), offset, e);
        }
        if (!(cert instanceof X509Certificate)) {
            throw new ForwardedClientCertException(what + " is a " + cert.getType()
                    + " certificate (expected: X.509)", offset);
        }
        return (X509Certificate) cert;
    }

    /** Total length (header + content) the outer SEQUENCE declares, or -1 if not a SEQUENCE. */
    private static int declaredLength(byte[] der) {
        if (der.length < 2 || der[0] != 0x30) {
            return -1;
        }
        int first = der[1] & 0xff;
        if (first < 0x80) {
            return 2 + first;
        }
        int count = first & 0x7f;
        if (count == 0 || count > 3 || der.length < 2 + count) {
            return -1;
        }
        int len = 0;
        for (int i = 0; i < count; i++) {
            len = len << 8 | der[2 + i] & 0xff;
        }
        return 2 + count + len;
    }

    static byte[] encoded(X509Certificate certificate) {
        if (certificate == null) {
            throw new NullPointerException("certificate (expected: non-null)");
        }
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be DER-encoded: " + e.getMessage(), e);
        }
    }
}
