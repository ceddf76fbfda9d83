package dev.gatehouse.ca;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.Pem;
import dev.gatehouse.pki.PkiException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;

/**
 * A private CA whose state lives in one directory: a root, or an intermediate signed by another CA
 * directory. It issues client and server certificates ({@link IssuanceProfile}), revokes them and
 * publishes CRLs.
 *
 * <pre>{@code
 * CertificateAuthority root = CertificateAuthority.initRoot(Path.of("pki/root"), CaParameters.root(), false);
 * CertificateAuthority ca = CertificateAuthority.initIntermediate(Path.of("pki/issuing"), root,
 *         CaParameters.intermediate(), false);
 * IssuedCertificate alice = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("alice").build());
 * alice.writeTo(Path.of("pki/issuing/issued"), "alice", false);   // alice.pem, alice.key (0600)
 * ca.revoke(alice.certificate().getSerialNumber(), RevocationReason.KEY_COMPROMISE);
 * ca.publishCrl(7);                                                  // crl.pem, crl.der
 * }</pre>
 *
 * <h2>The directory</h2>
 * <pre>
 * ca.pem       this CA's certificate
 * ca.key       its private key, PKCS#8 PEM, mode 0600
 * chain.pem    ca.pem followed by the parent's chain.pem: this CA up to the root (a root: ca.pem alone)
 * index        one line per issued certificate: serial, not-after, status, revocation, subject
 *              (format in the class comment of CaIndex; rewritten atomically)
 * certs/       SERIAL.pem: a copy of every certificate issued, CA certificates included
 * crlnumber    the number of the last CRL published (decimal)
 * crl.pem      the last CRL, PEM
 * crl.der      the same CRL, DER
 * issued/      where {@code gatehouse ca issue} writes NAME.pem and NAME.key unless told otherwise
 * .lock        locked while the index, CRL number or CRL is updated
 * </pre>
 * An intermediate's certificate is also recorded in its parent's index and {@code certs/}, so the parent
 * can list and revoke it.
 *
 * <h2>Threads and processes</h2>
 * Instances are immutable and thread-safe. Every change to the directory (issue, revoke, CRL) holds a
 * lock on the directory, across threads and processes, so concurrent issuers never corrupt the index
 * or reuse a serial. Key generation runs outside the lock.
 *
 * <h2>Serials</h2>
 * 16 random bytes (positive), checked against the index so that no serial is issued twice.
 */
public final class CertificateAuthority {
    public static final String CERTIFICATE_FILE = "ca.pem";
    public static final String KEY_FILE = "ca.key";
    public static final String CHAIN_FILE = "chain.pem";
    public static final String INDEX_FILE = CaIndex.FILE;
    public static final String CERTS_DIR = "certs";
    public static final String ISSUED_DIR = "issued";
    public static final String CRL_NUMBER_FILE = "crlnumber";
    public static final String CRL_PEM_FILE = "crl.pem";
    public static final String CRL_DER_FILE = "crl.der";
    /** CRL validity unless told otherwise, in days. */
    public static final int DEFAULT_CRL_DAYS = 7;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Certificate certificate;
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final Clock clock;

    private CertificateAuthority(Path dir, X509Certificate certificate, PrivateKey key, List<X509Certificate> chain,
            Clock clock) {
        this.dir = dir;
        this.certificate = certificate;
        this.key = key;
        this.chain = Collections.unmodifiableList(new ArrayList<>(chain));
        this.clock = clock;
    }

    /**
     * Opens an existing CA directory.
     *
     * @throws CaException if {@code dir} is not a CA directory, or its files do not fit together
     */
    public static CertificateAuthority open(Path dir) throws CaException, IOException {
        Path certFile = dir.resolve(CERTIFICATE_FILE);
        if (!Files.isRegularFile(certFile)) {
            throw new CaException(dir + " is not a CA directory (no " + CERTIFICATE_FILE
                    + "; make one with 'gatehouse ca init --dir " + dir + "')");
        }
        try {
            X509Certificate cert = Pem.readCertificates(certFile).get(0);
            PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
            if (!Pem.keyMatches(key, cert)) {
                throw new CaException(dir.resolve(KEY_FILE) + " is not the key of " + certFile);
            }
            List<X509Certificate> chain = Files.isRegularFile(dir.resolve(CHAIN_FILE))
                    ? Pem.readCertificates(dir.resolve(CHAIN_FILE)) : List.of(cert);
            if (!chain.get(0).equals(cert)) {
                throw new CaException(dir.resolve(CHAIN_FILE) + " does not start with " + certFile);
            }
            if (!Files.isRegularFile(dir.resolve(INDEX_FILE))) {
                throw new CaException(dir.resolve(INDEX_FILE) + ": missing (expected: the index of a CA directory)");
            }
            return new CertificateAuthority(dir, cert, key, chain, Clock.systemUTC());
        } catch (PkiException e) {
            throw new CaException(e.getMessage(), e);
        }
    }

    /**
     * Makes a root CA in {@code dir} (created if needed): a new key and a self-signed certificate.
     *
     * @param overwrite replace a CA already in {@code dir}: new key, certificate and an empty index; the
     *     old CRL and CRL number are removed, old copies in {@code certs/} and files in {@code issued/}
     *     stay. Without it, an existing {@code ca.pem}, {@code ca.key} or {@code index} is an error.
     * @throws FileAlreadyExistsException naming the existing file
     */
    public static CertificateAuthority initRoot(Path dir, CaParameters parameters, boolean overwrite)
            throws IOException, CaException {
        prepare(dir, overwrite);
        KeyPair kp = parameters.keySpec().generate(RANDOM);
        Instant now = Instant.now();
        X509Certificate cert;
        try {
            cert = CertificateSigner.root(parameters.subject(), kp.getPublic(), kp.getPrivate(),
                    Serials.random(RANDOM, Set.of()), now, parameters.days());
        } catch (GeneralSecurityException e) {
            throw new CaException("cannot sign the root certificate: " + e.getMessage(), e);
        }
        return create(dir, cert, kp.getPrivate(), List.of(cert), overwrite);
    }

    /**
     * Makes an intermediate CA in {@code dir}, signed by {@code parent}: {@code CA:TRUE, pathlen:0}, so it
     * issues leaf certificates only. The parent records it in its own index.
     *
     * @throws CaException if the parent may not sign CA certificates (path length 0), or {@code dir} is
     *     the parent's own directory
     */
    public static CertificateAuthority initIntermediate(Path dir, CertificateAuthority parent, CaParameters parameters,
            boolean overwrite) throws IOException, CaException {
        Objects.requireNonNull(parent, "parent");
        if (Files.exists(dir) && Files.isSameFile(dir, parent.dir)) {
            throw new CaException(dir + " is the parent CA's own directory (expected: a directory of its own)");
        }
        if (parent.certificate.getBasicConstraints() == 0) {
            throw new CaException("the CA in " + parent.dir + " has path length 0 and cannot sign CA certificates"
                    + " (expected: a root CA as --parent)");
        }
        prepare(dir, overwrite);
        KeyPair kp = parameters.keySpec().generate(RANDOM);
        X509Certificate cert = parent.record(serial -> CertificateSigner.intermediate(parent.issuer(),
                parameters.subject(), kp.getPublic(), serial, parent.clock.instant(), parameters.days()));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(parent.chain);
        return create(dir, cert, kp.getPrivate(), chain, overwrite);
    }

    private static void prepare(Path dir, boolean overwrite) throws IOException {
        if (!overwrite) {
            CaFiles.checkAbsent(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE), dir.resolve(INDEX_FILE));
        }
        Files.createDirectories(dir);
    }

    @SuppressWarnings("try") // the lock is held, not used
    private static CertificateAuthority create(Path dir, X509Certificate cert, PrivateKey key,
            List<X509Certificate> chain, boolean overwrite) throws IOException {
        try (CaLock lock = CaLock.acquire(dir)) {
            CaFiles.write(dir.resolve(KEY_FILE), Pem.encode("PRIVATE KEY", key.getEncoded())
                    .getBytes(StandardCharsets.US_ASCII), true, overwrite);
            CaFiles.write(dir.resolve(CERTIFICATE_FILE), Pem.encode(List.of(cert))
                    .getBytes(StandardCharsets.US_ASCII), false, overwrite);
            CaFiles.replace(dir.resolve(CHAIN_FILE), Pem.encode(chain).getBytes(StandardCharsets.US_ASCII), false);
            CaIndex.write(dir.resolve(INDEX_FILE), List.of());
            Files.deleteIfExists(dir.resolve(CRL_NUMBER_FILE));
            Files.deleteIfExists(dir.resolve(CRL_PEM_FILE));
            Files.deleteIfExists(dir.resolve(CRL_DER_FILE));
            Files.createDirectories(dir.resolve(CERTS_DIR));
        }
        return new CertificateAuthority(dir, cert, key, chain, Clock.systemUTC());
    }

    /** A copy of this CA that reads the time from {@code clock} (issue, revoke, CRL and list). */
    public CertificateAuthority withClock(Clock clock) {
        return new CertificateAuthority(dir, certificate, key, chain, Objects.requireNonNull(clock, "clock"));
    }

    public Path directory() {
        return dir;
    }

    /** This CA's certificate ({@code ca.pem}). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** This CA's certificate up to the root, this CA first ({@code chain.pem}). */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The root this CA's chain ends in (this CA itself for a root). */
    public X509Certificate root() {
        return chain.get(chain.size() - 1);
    }

    public boolean isRoot() {
        return chain.size() == 1;
    }

    /** Where {@code gatehouse ca issue} writes certificates by default: {@code DIR/issued}. */
    public Path issuedDirectory() {
        return dir.resolve(ISSUED_DIR);
    }

    /**
     * Issues a certificate with a new key pair, records it in the index and in {@code certs/}. Nothing is
     * written for the key: see {@link IssuedCertificate#writeTo}.
     */
    public IssuedCertificate issue(IssueRequest request) throws IOException, CaException {
        KeyPair kp = request.keySpec().generate(RANDOM);
        X509Certificate cert = record(serial -> CertificateSigner.leaf(issuer(), request, kp.getPublic(), serial,
                clock.instant()));
        return new IssuedCertificate(cert, kp.getPrivate(), chain.subList(0, isRoot() ? 0 : chain.size() - 1), root());
    }

    private interface SignFunction {
        X509Certificate sign(BigInteger serial) throws GeneralSecurityException;
    }

    /** Under the lock: picks a fresh serial, signs, writes {@code certs/SERIAL.pem}, appends to the index. */
    @SuppressWarnings("try") // the lock is held, not used
    private X509Certificate record(SignFunction signFunction) throws IOException, CaException {
        try (CaLock lock = CaLock.acquire(dir)) {
            List<IndexEntry> entries = new ArrayList<>(CaIndex.read(dir.resolve(INDEX_FILE)));
            Set<BigInteger> taken = entries.stream().map(IndexEntry::serial).collect(Collectors.toCollection(HashSet::new));
            taken.add(certificate.getSerialNumber());
            BigInteger serial = Serials.random(RANDOM, taken);
            X509Certificate cert;
            try {
                cert = signFunction.sign(serial);
            } catch (GeneralSecurityException e) {
                throw new CaException("cannot sign with " + dir.resolve(KEY_FILE) + ": " + e.getMessage(), e);
            }
            Path certs = Files.createDirectories(dir.resolve(CERTS_DIR));
            CaFiles.replace(certs.resolve(CertificateNames.serialHex(serial) + ".pem"),
                    Pem.encode(List.of(cert)).getBytes(StandardCharsets.US_ASCII), false);
            entries.add(new IndexEntry(serial, cert.getNotAfter().toInstant(), cert.getSubjectX500Principal(), null, null));
            CaIndex.write(dir.resolve(INDEX_FILE), entries);
            return cert;
        }
    }

    private CertificateSigner.Issuer issuer() {
        return new CertificateSigner.Issuer(certificate, key);
    }

    /**
     * Marks the certificate with {@code serial} revoked now. It appears on the next CRL
     * ({@link #publishCrl}).
     *
     * @throws CaException if this CA did not issue it, or it is already revoked
     */
    @SuppressWarnings("try") // the lock is held, not used
    public IndexEntry revoke(BigInteger serial, RevocationReason reason) throws IOException, CaException {
        Objects.requireNonNull(reason, "reason");
        try (CaLock lock = CaLock.acquire(dir)) {
            List<IndexEntry> entries = new ArrayList<>(CaIndex.read(dir.resolve(INDEX_FILE)));
            for (int i = 0; i < entries.size(); i++) {
                IndexEntry e = entries.get(i);
                if (!e.serial().equals(serial)) {
                    continue;
                }
                if (e.isRevoked()) {
                    throw new CaException("serial " + CertificateNames.serialHex(serial) + " is already revoked (since "
                            + e.revokedAt().orElseThrow() + ", " + e.reason().orElseThrow() + ")");
                }
                IndexEntry revoked = e.revoked(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), reason);
                entries.set(i, revoked);
                CaIndex.write(dir.resolve(INDEX_FILE), entries);
                return revoked;
            }
        }
        throw new CaException("no certificate with serial " + CertificateNames.serialHex(serial) + " in "
                + dir.resolve(INDEX_FILE) + " (see 'gatehouse ca list --dir " + dir + "')");
    }

    /**
     * Signs a new CRL of every revoked certificate and writes it as {@code crl.pem} and {@code crl.der}.
     * thisUpdate is now, nextUpdate {@code days} later; the CRL number is one more than the last one
     * ({@code crlnumber}); the CRL carries the authority key identifier of this CA.
     */
    @SuppressWarnings("try") // the lock is held, not used
    public X509CRL publishCrl(int days) throws IOException, CaException {
        if (days <= 0) {
            throw new IllegalArgumentException("days: " + days + " (expected: > 0)");
        }
        try (CaLock lock = CaLock.acquire(dir)) {
            List<IndexEntry> entries = CaIndex.read(dir.resolve(INDEX_FILE));
            BigInteger number = lastCrlNumber().add(BigInteger.ONE);
            Instant now = clock.instant();
            X509v2CRLBuilder b = new X509v2CRLBuilder(Names.x500Name(certificate.getSubjectX500Principal()), Date.from(now));
            b.setNextUpdate(Date.from(now.plus(Duration.ofDays(days))));
            for (IndexEntry e : entries) {
                if (e.isRevoked()) {
                    RevocationReason r = e.reason().orElseThrow();
                    // RFC 5280 5.3.1: the reason code "unspecified" SHOULD be absent.
                    b.addCRLEntry(e.serial(), Date.from(e.revokedAt().orElseThrow()),
                            r == RevocationReason.UNSPECIFIED ? 0 : r.code());
                }
            }
            X509CRL crl;
            try {
                b.addExtension(Extension.authorityKeyIdentifier, false, CertificateSigner.aki(certificate));
                b.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
                X509CRLHolder holder = b.build(CertificateSigner.signer(key));
                crl = new JcaX509CRLConverter().getCRL(holder);
            } catch (CertIOException | GeneralSecurityException e) {
                throw new CaException("cannot sign a CRL with " + dir.resolve(KEY_FILE) + ": " + e.getMessage(), e);
            }
            byte[] der;
            try {
                der = crl.getEncoded();
            } catch (CRLException e) {
                throw new IllegalStateException(e);
            }
            CaFiles.replace(dir.resolve(CRL_DER_FILE), der, false);
            CaFiles.replace(dir.resolve(CRL_PEM_FILE), Pem.encode("X509 CRL", der).getBytes(StandardCharsets.US_ASCII), false);
            CaFiles.replace(dir.resolve(CRL_NUMBER_FILE), (number + "\n").getBytes(StandardCharsets.US_ASCII), false);
            return crl;
        }
    }

    /** The CRL number of {@code crl}, as {@link #publishCrl} sets it; empty if it has none. */
    public static Optional<BigInteger> crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (ext == null) {
            return Optional.empty();
        }
        return Optional.of(CRLNumber.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getCRLNumber());
    }

    private BigInteger lastCrlNumber() throws IOException, CaException {
        Path f = dir.resolve(CRL_NUMBER_FILE);
        try {
            String s = Files.readString(f, StandardCharsets.US_ASCII).trim();
            return new BigInteger(s);
        } catch (NoSuchFileException e) {
            return BigInteger.ZERO;
        } catch (NumberFormatException e) {
            throw new CaException(f + ": not a decimal number");
        }
    }

    /** Every certificate this CA issued, in issue order. */
    public List<IndexEntry> list() throws IOException, CaException {
        return CaIndex.read(dir.resolve(INDEX_FILE));
    }

    /** The certificate this CA issued with {@code serial}, from {@code certs/}. */
    public Optional<X509Certificate> issuedCertificate(BigInteger serial) throws CaException {
        Path f = dir.resolve(CERTS_DIR).resolve(CertificateNames.serialHex(serial) + ".pem");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Pem.readCertificates(f).get(0));
        } catch (PkiException e) {
            throw new CaException(e.getMessage(), e);
        }
    }

    /** The time this CA reads ({@link #withClock}). */
    public Instant now() {
        return clock.instant();
    }

    @Override
    public String toString() {
        return "CertificateAuthority{" + dir + ", " + certificate.getSubjectX500Principal().getName(X500Principal.RFC2253) + "}";
    }
}
