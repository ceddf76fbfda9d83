package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.junit.jupiter.api.Test;

/** The BouncyCastle ECDSA path gives the JDK's answer on every certificate it takes, and declines the rest. */
class EcdsaSignaturesTest {
    private static final BigInteger P256_N = new BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    @Test
    void agreesWithTheJdkOnEveryCurveAndDigest() throws Exception {
        for (String[] c : new String[][] {{"secp256r1", "SHA256withECDSA"}, {"secp384r1", "SHA384withECDSA"},
                {"secp521r1", "SHA512withECDSA"}, {"secp256r1", "SHA384withECDSA"}, {"secp384r1", "SHA256withECDSA"}}) {
            HeldCertificate ca = HeldCertificate.builder().commonName("CA " + c[0]).ec(c[0]).ca(0).build();
            HeldCertificate leaf = HeldCertificate.builder().commonName("leaf").signedBy(ca)
                    .signatureAlgorithm(c[1]).build();
            HeldCertificate other = HeldCertificate.builder().commonName("other").ec(c[0]).ca(0).build();
            assertSame(leaf.certificate(), ca.certificate().getPublicKey(), true);
            assertSame(leaf.certificate(), other.certificate().getPublicKey(), false);
        }
    }

    @Test
    void aTamperedSignatureOrBodyFailsOnBothPaths() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("CA").ca(0).build();
        X509Certificate leaf = HeldCertificate.builder().commonName("leaf").signedBy(ca).build().certificate();
        PublicKey key = ca.certificate().getPublicKey();
        BigInteger[] rs = rs(leaf);
        assertSame(withSignature(leaf, der(rs[0], rs[1].add(BigInteger.ONE))), key, false);
        assertSame(withSignature(leaf, der(BigInteger.ZERO, rs[1])), key, false);
        assertSame(withSignature(leaf, der(rs[0], P256_N.add(rs[1]))), key, false);
        // (r, n - s) is the same signature's twin: valid ECDSA for both.
        assertSame(withSignature(leaf, der(rs[0], P256_N.subtract(rs[1]))), key, true);
        // Trailing garbage after the SEQUENCE, and a non-minimal INTEGER: not DER, refused.
        byte[] sig = leaf.getSignature();
        byte[] trailing = java.util.Arrays.copyOf(sig, sig.length + 1);
        assertThat(check(withSignature(leaf, trailing), key)).isFalse();
        assertThat(EcdsaSignatures.verifies(withSignature(leaf, nonMinimal(rs[0], rs[1])), bc(key))).isFalse();
        // A changed body (serial) under the original signature.
        HeldCertificate twin = HeldCertificate.builder().commonName("leaf").signedBy(ca).build();
        assertSame(withSignature(twin.certificate(), leaf.getSignature()), key, false);
    }

    @Test
    void rsaIssuersAreLeftToTheJdk() {
        HeldCertificate ca = HeldCertificate.builder().commonName("RSA CA").rsa(2048).ca(0).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("leaf").signedBy(ca).build();
        assertThat(EcdsaSignatures.publicKey(ca.certificate().getPublicKey())).isNull();
        assertThat(new SignatureCache(10).verifies(leaf.certificate(), ca.certificate().getPublicKey())).isTrue();
    }

    @Test
    void crlSignaturesAgree() {
        HeldCertificate ca = HeldCertificate.builder().commonName("CA").ca(0).build();
        HeldCertificate other = HeldCertificate.builder().commonName("other").ca(0).build();
        X509CRL crl = HeldCertificate.crl(ca, Duration.ofDays(1), BigInteger.TEN);
        assertThat(EcdsaSignatures.verifies(crl, bc(ca.certificate().getPublicKey()))).isTrue();
        assertThat(EcdsaSignatures.verifies(crl, bc(other.certificate().getPublicKey()))).isFalse();
        assertThat(new SignatureCache(10).verifies(crl, other.certificate().getPublicKey())).isFalse();
    }

    private static void assertSame(X509Certificate cert, PublicKey key, boolean expected) {
        boolean jdk;
        try {
            cert.verify(key);
            jdk = true;
        } catch (Exception e) {
            jdk = false;
        }
        assertThat(jdk).as("JDK").isEqualTo(expected);
        assertThat(EcdsaSignatures.verifies(cert, bc(key))).as("BouncyCastle path").isEqualTo(expected);
        assertThat(check(cert, key)).as("SignatureCache").isEqualTo(expected);
    }

    private static boolean check(X509Certificate cert, PublicKey key) {
        return new SignatureCache(10).verifies(cert, key);
    }

    private static ECPublicKeyParameters bc(PublicKey key) {
        ECPublicKeyParameters p = EcdsaSignatures.publicKey(key);
        assertThat(p).isNotNull();
        return p;
    }

    private static BigInteger[] rs(X509Certificate c) {
        ASN1Sequence s = ASN1Sequence.getInstance(c.getSignature());
        return new BigInteger[] {ASN1Integer.getInstance(s.getObjectAt(0)).getValue(),
                ASN1Integer.getInstance(s.getObjectAt(1)).getValue()};
    }

    private static byte[] der(BigInteger r, BigInteger s) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(r));
        v.add(new ASN1Integer(s));
        return new DERSequence(v).getEncoded();
    }

    /** r with a redundant leading zero byte: BER-ish, not DER. */
    private static byte[] nonMinimal(BigInteger r, BigInteger s) throws Exception {
        byte[] rb = r.toByteArray();
        byte[] sb = new ASN1Integer(s).getEncoded();
        byte[] ri = new byte[rb.length + 3];
        ri[0] = 0x02;
        ri[1] = (byte) (rb.length + 1);
        System.arraycopy(rb, 0, ri, 3, rb.length);
        byte[] out = new byte[2 + ri.length + sb.length];
        out[0] = 0x30;
        out[1] = (byte) (ri.length + sb.length);
        System.arraycopy(ri, 0, out, 2, ri.length);
        System.arraycopy(sb, 0, out, 2 + ri.length, sb.length);
        return out;
    }

    private static X509Certificate withSignature(X509Certificate c, byte[] signature) throws Exception {
        ASN1Sequence cert = ASN1Sequence.getInstance(c.getEncoded());
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(cert.getObjectAt(0));
        v.add(cert.getObjectAt(1));
        v.add(new DERBitString(signature));
        byte[] der = new DERSequence(v).getEncoded();
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
