package dev.gatehouse.pki;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA signature checks of certificates and CRLs on BouncyCastle's lightweight API (its fixed-curve
 * P-256/P-384/P-521 arithmetic), for the cases where the JDK is too slow: the JDK 17 provider (SunEC)
 * takes about 2.3 ms for one P-256 check on a small server core, this path about 0.4 ms (see
 * {@code bench/}: {@code SignatureBenchmark}). In a fleet of devices every new leaf costs one such check
 * during its first handshake, on an event loop.
 *
 * <h2>Same answers as the JDK</h2>
 * Only the common, unambiguous case takes this path: an ECDSA-with-SHA-256/384/512 signature algorithm
 * whose identifier has no parameters, and an issuer key on P-256, P-384 or P-521. The signature value
 * must be a DER SEQUENCE of two INTEGERs in canonical form (BouncyCastle re-encodes and compares), with
 * {@code r} and {@code s} in {@code [1, n-1]}; the issuer's point must be on its curve and of the
 * curve's order. Everything else returns {@code null} and the caller asks the JDK, so an unusual
 * certificate is judged exactly as before.
 *
 * <h2>Threading</h2>
 * Stateless apart from an immutable table of curves; safe from any thread. The caller caches converted
 * issuer keys ({@link #publicKey}) so that BouncyCastle's precomputation on the issuer's point is reused
 * across the leaves it signed.
 */
final class EcdsaSignatures {
    private static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    private static final Map<String, String> DIGEST_BY_SIG_OID = Map.of(
            "1.2.840.10045.4.3.2", "SHA-256",
            "1.2.840.10045.4.3.3", "SHA-384",
            "1.2.840.10045.4.3.4", "SHA-512");
    private static final Map<String, ECDomainParameters> CURVES = Map.of(
            "1.2.840.10045.3.1.7", domain("1.2.840.10045.3.1.7"),  // P-256
            "1.3.132.0.34", domain("1.3.132.0.34"),                // P-384
            "1.3.132.0.35", domain("1.3.132.0.35"));               // P-521

    private EcdsaSignatures() {}

    private static ECDomainParameters domain(String oid) {
        X9ECParameters x9 = CustomNamedCurves.getByOID(new ASN1ObjectIdentifier(oid));
        return new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
    }

    /**
     * The BouncyCastle form of {@code key}, or {@code null} when it is not an EC key on a supported
     * named curve (or its point is invalid: the caller then lets the JDK decide).
     */
    static ECPublicKeyParameters publicKey(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) {
            return null;
        }
        ECDomainParameters domain = CURVES.get(namedCurve(key));
        if (domain == null) {
            return null;
        }
        try {
            ECPoint q = domain.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
            return new ECPublicKeyParameters(q, domain); // validates: on the curve, not infinity, order n
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The named curve OID of an EC key's SubjectPublicKeyInfo, or {@code null}. */
    private static String namedCurve(PublicKey key) {
        try {
            java.util.List<Der.Value> algId = Der.read(key.getEncoded()).children().get(0).children();
            if (algId.size() != 2 || !algId.get(0).oid().equals(EC_PUBLIC_KEY) || algId.get(1).tag != Der.OID) {
                return null;
            }
            return algId.get(1).oid();
        } catch (Der.DerException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code cert}'s signature verifies with {@code issuer}; {@code null} when this path does not
     * apply (the caller asks the JDK).
     */
    static Boolean verifies(X509Certificate cert, ECPublicKeyParameters issuer) {
        String digest = DIGEST_BY_SIG_OID.get(cert.getSigAlgOID());
        if (digest == null || cert.getSigAlgParams() != null) {
            return null;
        }
        byte[] tbs;
        try {
            tbs = cert.getTBSCertificate();
        } catch (CertificateEncodingException e) {
            return null;
        }
        return check(digest, tbs, cert.getSignature(), issuer);
    }

    /** As {@link #verifies(X509Certificate, ECPublicKeyParameters)}, for a CRL. */
    static Boolean verifies(X509CRL crl, ECPublicKeyParameters issuer) {
        String digest = DIGEST_BY_SIG_OID.get(crl.getSigAlgOID());
        if (digest == null || crl.getSigAlgParams() != null) {
            return null;
        }
        byte[] tbs;
        try {
            tbs = crl.getTBSCertList();
        } catch (CRLException e) {
            return null;
        }
        return check(digest, tbs, crl.getSignature(), issuer);
    }

    private static boolean check(String digestName, byte[] signed, byte[] signature, ECPublicKeyParameters issuer) {
        BigInteger n = issuer.getParameters().getN();
        BigInteger[] rs;
        try {
            rs = StandardDSAEncoding.INSTANCE.decode(n, signature); // canonical DER only; r, s in [1, n-1]
        } catch (Exception e) {
            return false;
        }
        Digest d = switch (digestName) {
            case "SHA-256" -> new SHA256Digest();
            case "SHA-384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
        d.update(signed, 0, signed.length);
        byte[] hash = new byte[d.getDigestSize()];
        d.doFinal(hash, 0);
        ECDSASigner signer = new ECDSASigner();
        signer.init(false, issuer);
        return signer.verifySignature(hash, rs[0], rs[1]);
    }
}
