package dev.gatehouse.pki;

import dev.gatehouse.clientcert.PemBlocks;
import dev.gatehouse.clientcert.PemBlocks.Block;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Certificates, private keys and CRLs from PEM files (and DER, for CRLs), and canonical PEM writing, with
 * the JDK only; the PEM text itself is read and written by {@link PemBlocks}, the reader the
 * forwarded-certificate headers go through too.
 *
 * <h2>Errors</h2>
 * Every error is a {@link PkiException} whose message starts with the file (or source) name; for
 * certificates it also gives the position ({@code certificate #2, line 23}) and, where the certificate
 * parses, its subject.
 *
 * <h2>Private keys</h2>
 * Unencrypted PEM only: PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY} and SEC1
 * {@code EC PRIVATE KEY}. PKCS#1 and SEC1 keys are wrapped into PKCS#8 (the JDK's only key format);
 * the curve of a SEC1 key comes from its own parameters.
 *
 * <h2>Canonical PEM</h2>
 * {@link #encode} writes base64 in 64-character lines, LF line ends, each block ending with a newline:
 * the form of the forwarded-certificate headers.
 */
public final class Pem {
    private static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    private static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";

    private Pem() {}

    /** Reads every certificate of a PEM file; an empty file or one without certificates is an error. */
    public static List<X509Certificate> readCertificates(Path file) throws PkiException {
        return parseCertificates(readText(file), file.toString());
    }

    /** Parses every {@code CERTIFICATE} block of {@code pemText}; {@code sourceName} names it in errors. */
    public static List<X509Certificate> parseCertificates(String pemText, String sourceName) throws PkiException {
        List<Block> blocks = blocks(pemText, sourceName);
        List<X509Certificate> out = new ArrayList<>();
        int index = 0;
        for (Block b : blocks) {
            if (!b.label().equals("CERTIFICATE") && !b.label().equals("X509 CERTIFICATE")
                    && !b.label().equals("TRUSTED CERTIFICATE")) {
                continue;
            }
            index++;
            out.add(certificate(b.der(), sourceName + ": certificate #" + index + " (line " + b.line() + ")"));
        }
        if (out.isEmpty()) {
            throw new PkiException(sourceName + ": no certificate found (expected: -----BEGIN CERTIFICATE-----"
                    + (blocks.isEmpty() ? "" : "; found " + blocks.get(0).label()) + ")");
        }
        return out;
    }

    /** Decodes one DER certificate; {@code where} prefixes the error message. */
    static X509Certificate certificate(byte[] der, String where) throws PkiException {
        try {
            return (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new PkiException(where + ": not a valid X.509 certificate: " + cause(e), e);
        }
    }

    /** Decodes DER certificates as a TLS stack hands them over (leaf first). */
    public static List<X509Certificate> decodeCertificates(byte[][] derChain) throws PkiException {
        List<X509Certificate> out = new ArrayList<>(derChain.length);
        for (int i = 0; i < derChain.length; i++) {
            out.add(certificate(derChain[i], "presented certificate #" + (i + 1)));
        }
        return out;
    }

    /** Reads an unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC). */
    public static PrivateKey readPrivateKey(Path file) throws PkiException {
        String text = readText(file);
        String name = file.toString();
        List<Block> blocks = blocks(text, name);
        for (Block b : blocks) {
            switch (b.label()) {
                case "ENCRYPTED PRIVATE KEY":
                    throw new PkiException(name + ": line " + b.line() + ": encrypted keys are not supported"
                            + " (expected: an unencrypted PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
                case "PRIVATE KEY":
                    return pkcs8(b.der(), name + ": line " + b.line());
                case "RSA PRIVATE KEY":
                    checkNotEncrypted(b, name);
                    return pkcs8(wrapPkcs1(b.der()), name + ": line " + b.line());
                case "EC PRIVATE KEY":
                    checkNotEncrypted(b, name);
                    return pkcs8(wrapSec1(b.der(), name + ": line " + b.line()), name + ": line " + b.line());
                default:
                    // e.g. EC PARAMETERS before the key: keep looking
            }
        }
        throw new PkiException(name + ": no private key found (expected: PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY"
                + (blocks.isEmpty() ? "" : "; found " + blocks.get(0).label()) + ")");
    }

    /** Reads CRLs: PEM ({@code X509 CRL} blocks) or a single DER CRL. */
    public static List<X509CRL> readCrls(Path file) throws PkiException {
        byte[] bytes = readBytes(file);
        return parseCrls(bytes, file.toString());
    }

    static List<X509CRL> parseCrls(byte[] bytes, String name) throws PkiException {
        List<X509CRL> out = new ArrayList<>();
        if (bytes.length > 0 && bytes[0] == 0x30) {
            out.add(crl(bytes, name + ": DER CRL"));
            return out;
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int index = 0;
        for (Block b : blocks(text, name)) {
            if (b.label().equals("X509 CRL") || b.label().equals("CRL")) {
                index++;
                out.add(crl(b.der(), name + ": CRL #" + index + " (line " + b.line() + ")"));
            }
        }
        if (out.isEmpty()) {
            throw new PkiException(name + ": no CRL found (expected: -----BEGIN X509 CRL----- or a DER CRL)");
        }
        return out;
    }

    private static X509CRL crl(byte[] der, String where) throws PkiException {
        try {
            return (X509CRL) factory().generateCRL(new ByteArrayInputStream(der));
        } catch (CRLException | RuntimeException e) {
            throw new PkiException(where + ": not a valid X.509 CRL: " + cause(e), e);
        }
    }

    /** Canonical PEM of a chain: base64 in 64-character lines, LF, each certificate ending with a newline. */
    public static String encode(List<X509Certificate> chain) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : chain) {
            try {
                sb.append(encode("CERTIFICATE", c.getEncoded()));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
            }
        }
        return sb.toString();
    }

    /** Canonical PEM of one DER object of the given type ({@code CERTIFICATE}, {@code X509 CRL}, ...). */
    public static String encode(String type, byte[] der) {
        return PemBlocks.write(type, der);
    }

    /** Whether {@code key} is the private half of {@code cert}'s public key (checked by signing). */
    public static boolean keyMatches(PrivateKey key, X509Certificate cert) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa && cert.getPublicKey() instanceof RSAPublicKey pub) {
                return rsa.getModulus().equals(pub.getModulus()) && rsa.getPublicExponent().equals(pub.getPublicExponent());
            }
            String alg = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                case "Ed25519", "EdDSA" -> "Ed25519";
                case "Ed448" -> "Ed448";
                default -> null;
            };
            if (alg == null || !key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())
                    && !(alg.startsWith("Ed") && cert.getPublicKey().getAlgorithm().startsWith("Ed"))) {
                return false;
            }
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(data);
            return v.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    // --- internals ---------------------------------------------------------------------------

    static String readText(Path file) throws PkiException {
        return new String(readBytes(file), StandardCharsets.ISO_8859_1);
    }

    static byte[] readBytes(Path file) throws PkiException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PkiException(file + ": no such file");
        } catch (IOException e) {
            throw new PkiException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** The blocks of a PEM file's text ({@link PemBlocks#read}: text outside blocks is ignored). */
    static List<Block> blocks(String text, String name) throws PkiException {
        try {
            return PemBlocks.read(text);
        } catch (IllegalArgumentException e) {
            throw new PkiException(name + ": " + e.getMessage(), e);
        }
    }

    private static void checkNotEncrypted(Block b, String name) throws PkiException {
        for (String h : b.headers()) {
            if (h.toUpperCase(Locale.ROOT).startsWith("PROC-TYPE:") && h.toUpperCase(Locale.ROOT).contains("ENCRYPTED")) {
                throw new PkiException(name + ": line " + b.line() + ": encrypted keys are not supported"
                        + " (expected: an unencrypted " + b.label() + ")");
            }
        }
    }

    private static PrivateKey pkcs8(byte[] der, String where) throws PkiException {
        String oid;
        try {
            List<Der.Value> top = Der.read(der).children();
            oid = top.get(1).children().get(0).oid();
        } catch (Der.DerException | RuntimeException e) {
            throw new PkiException(where + ": malformed PKCS#8 private key: " + cause(e));
        }
        String algorithm = switch (oid) {
            case RSA_ENCRYPTION -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case EC_PUBLIC_KEY -> "EC";
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            case "1.3.101.110" -> "X25519";
            case "1.3.101.111" -> "X448";
            case "1.2.840.10040.4.1" -> "DSA";
            default -> throw new PkiException(where + ": unsupported private key algorithm " + oid);
        };
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new PkiException(where + ": unusable " + algorithm + " private key: " + cause(e), e);
        }
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(RSA_ENCRYPTION), Der.nullValue()), Der.octetString(pkcs1));
    }

    /** SEC1 ECPrivateKey (with its [0] curve parameters) → PKCS#8 PrivateKeyInfo. */
    static byte[] wrapSec1(byte[] sec1, String where) throws PkiException {
        byte[] curve = null;
        try {
            for (Der.Value v : Der.read(sec1).children()) {
                if (v.contextTag() == 0) {
                    Der.Value param = v.children().get(0);
                    param.oid(); // must be a named curve
                    curve = param.encoded();
                }
            }
        } catch (Der.DerException | RuntimeException e) {
            throw new PkiException(where + ": malformed EC PRIVATE KEY: " + cause(e));
        }
        if (curve == null) {
            throw new PkiException(where + ": EC PRIVATE KEY without a named curve in its parameters (expected: [0] curve OID)");
        }
        return Der.sequence(Der.integer(0), Der.sequence(Der.oid(EC_PUBLIC_KEY), curve), Der.octetString(sec1));
    }

    static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
    }

    static String cause(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
