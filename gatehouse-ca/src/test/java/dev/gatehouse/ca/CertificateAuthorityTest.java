package dev.gatehouse.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.Pem;
import java.math.BigInteger;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    @TempDir
    Path tmp;

    @Test
    void rootCaHasTheLayoutAndExtensionsOfARoot() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority ca = CertificateAuthority.initRoot(dir, CaParameters.root().withCommonName("Acme Root"), false);

        for (String f : List.of("ca.pem", "ca.key", "chain.pem", "index")) {
            assertThat(dir.resolve(f)).isRegularFile();
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        X509Certificate c = ca.certificate();
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=Acme Root");
        assertThat(c.getIssuerX500Principal()).isEqualTo(c.getSubjectX500Principal());
        assertThat(c.getVersion()).isEqualTo(3);
        assertThat(c.getBasicConstraints()).as("CA:TRUE without path length").isEqualTo(Integer.MAX_VALUE);
        assertThat(c.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(c.getKeyUsage()).containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(c.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays())
                .isBetween(3650L, 3651L);
        assertThat(c.getNotBefore().toInstant()).isBefore(Instant.now().minusSeconds(60));
        assertThat(Pem.readCertificates(dir.resolve("chain.pem"))).containsExactly(c);
        assertThat(ca.isRoot()).isTrue();
        assertThat(ca.list()).isEmpty();

        CertificateAuthority reopened = CertificateAuthority.open(dir);
        assertThat(reopened.certificate()).isEqualTo(c);
    }

    @Test
    void signatureAlgorithmFollowsTheCaKey() throws Exception {
        CertificateAuthority p384 = CertificateAuthority.initRoot(tmp.resolve("p384"),
                CaParameters.root().withKeySpec(KeySpec.EC_P384), false);
        CertificateAuthority rsa = CertificateAuthority.initRoot(tmp.resolve("rsa"),
                CaParameters.root().withKeySpec(KeySpec.RSA_3072).withDays(30), false);
        assertThat(p384.certificate().getSigAlgName()).isEqualTo("SHA384withECDSA");
        assertThat(rsa.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(((java.security.interfaces.RSAKey) rsa.certificate().getPublicKey()).getModulus().bitLength()).isEqualTo(3072);
        IssuedCertificate leaf = p384.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("a").build());
        assertThat(leaf.certificate().getSigAlgName()).isEqualTo("SHA384withECDSA");
        assertThat(leaf.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void intermediateIsPathLenZeroWithAkiAndItsChainEndsInTheRoot() throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"), CaParameters.root(), false);
        CertificateAuthority ica = CertificateAuthority.initIntermediate(tmp.resolve("ica"), root,
                CaParameters.intermediate().withSubject("CN=Acme Issuing,O=Acme"), false);
        X509Certificate c = ica.certificate();
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=Acme Issuing,O=Acme");
        assertThat(c.getIssuerX500Principal()).isEqualTo(root.certificate().getSubjectX500Principal());
        assertThat(c.getBasicConstraints()).isZero();
        assertThat(c.getKeyUsage()[5]).isTrue();
        assertThat(c.getKeyUsage()[6]).isTrue();
        assertThat(aki(c)).isEqualTo(ski(root.certificate()));
        c.verify(root.certificate().getPublicKey());
        assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays()).isBetween(1825L, 1826L);
        assertThat(Pem.readCertificates(ica.directory().resolve("chain.pem"))).containsExactly(c, root.certificate());
        assertThat(ica.isRoot()).isFalse();

        // The parent recorded what it signed.
        assertThat(root.list()).singleElement().satisfies(e -> {
            assertThat(e.serial()).isEqualTo(c.getSerialNumber());
            assertThat(e.subject()).isEqualTo(c.getSubjectX500Principal());
        });
        assertThat(root.issuedCertificate(c.getSerialNumber())).contains(c);

        // pathlen 0: it cannot make CAs of its own.
        assertThatThrownBy(() -> CertificateAuthority.initIntermediate(tmp.resolve("sub"), ica, CaParameters.intermediate(), false))
                .isInstanceOf(CaException.class).hasMessageContaining("path length 0");
        assertThat(tmp.resolve("sub/ca.pem")).doesNotExist();
    }

    @Test
    void leafProfilesCarryTheirExtensions() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        IssuedCertificate client = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("alice")
                .subjectAltName(SubjectAltName.parse("URI:spiffe://example.org/alice"))
                .subjectAltName(SubjectAltName.parse("email:alice@example.org")).build());
        X509Certificate c = client.certificate();
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(c.getKeyUsage()).startsWith(true, false, false);
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(c.getSubjectAlternativeNames()).extracting(l -> (Object) l.get(1))
                .containsExactly("spiffe://example.org/alice", "alice@example.org");
        assertThat(aki(c)).isEqualTo(ski(ca.certificate()));
        assertThat(ski(c)).isNotNull();
        assertThat(Duration.between(Instant.now(), c.getNotAfter().toInstant()).toDays()).isBetween(364L, 365L);
        assertThat(client.intermediates()).isEmpty();
        assertThat(client.root()).isEqualTo(ca.certificate());

        IssuedCertificate server = ca.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("api.example.com")
                .subjectAltName(SubjectAltName.parse("IP:10.0.0.7")).keySpec(KeySpec.RSA_2048).days(30).build());
        X509Certificate s = server.certificate();
        assertThat(s.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(s.getKeyUsage()).as("RSA: digitalSignature + keyEncipherment").startsWith(true, false, true, false);
        assertThat(s.getSubjectAlternativeNames()).extracting(l -> (Object) l.get(0), l -> (Object) l.get(1))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(7, "10.0.0.7"),
                        org.assertj.core.groups.Tuple.tuple(2, "api.example.com"));
        assertThat(Duration.between(Instant.now(), s.getNotAfter().toInstant()).toDays()).isBetween(29L, 30L);
    }

    @Test
    void leafNeverOutlivesItsIssuer() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root().withDays(10), false);
        X509Certificate c = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("a").days(365).build()).certificate();
        assertThat(c.getNotAfter()).isEqualTo(ca.certificate().getNotAfter());
    }

    @Test
    void writeToMakesA0600KeyAndNeverOverwritesWithoutBeingTold() throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"), CaParameters.root(), false);
        CertificateAuthority ica = CertificateAuthority.initIntermediate(tmp.resolve("ica"), root, CaParameters.intermediate(), false);
        assertThat(Files.getPosixFilePermissions(ica.directory().resolve("ca.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));

        IssuedCertificate first = ica.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("alice").build());
        Path out = tmp.resolve("out");
        IssuedCertificate.WrittenFiles files = first.writeTo(out, "alice", false);
        assertThat(files.certificate()).isEqualTo(out.resolve("alice.pem"));
        assertThat(files.privateKey()).isEqualTo(out.resolve("alice.key"));
        assertThat(Files.getPosixFilePermissions(files.privateKey())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(files.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Pem.readCertificates(files.certificate())).containsExactly(first.certificate(), ica.certificate());
        assertThat(Pem.keyMatches(Pem.readPrivateKey(files.privateKey()), first.certificate())).isTrue();

        IssuedCertificate second = ica.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("alice").build());
        String keyBefore = Files.readString(files.privateKey());
        assertThatThrownBy(() -> second.writeTo(out, "alice", false))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("alice.pem");
        assertThat(Files.readString(files.privateKey())).isEqualTo(keyBefore);
        // Only the key left over: still refused, and the certificate is not written either.
        Files.delete(files.certificate());
        assertThatThrownBy(() -> second.writeTo(out, "alice", false))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("alice.key");
        assertThat(files.certificate()).doesNotExist();

        second.writeTo(out, "alice", true);
        assertThat(Pem.readCertificates(files.certificate()).get(0)).isEqualTo(second.certificate());
        assertThat(Files.getPosixFilePermissions(files.privateKey())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(files.privateKey())).isNotEqualTo(keyBefore);
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("alice.pem", "alice.key");
        }
    }

    @Test
    void initRefusesAnExistingCaUnlessForced() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority first = CertificateAuthority.initRoot(dir, CaParameters.root(), false);
        first.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("a").build());
        String key = Files.readString(dir.resolve("ca.key"));
        assertThatThrownBy(() -> CertificateAuthority.initRoot(dir, CaParameters.root(), false))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("ca.pem");
        assertThat(Files.readString(dir.resolve("ca.key"))).isEqualTo(key);

        CertificateAuthority second = CertificateAuthority.initRoot(dir, CaParameters.root(), true);
        assertThat(second.certificate()).isNotEqualTo(first.certificate());
        assertThat(Files.readString(dir.resolve("ca.key"))).isNotEqualTo(key);
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(second.list()).isEmpty();
    }

    @Test
    void openSaysWhatIsMissing() {
        assertThatThrownBy(() -> CertificateAuthority.open(tmp.resolve("nothing")))
                .isInstanceOf(CaException.class).hasMessageContaining("is not a CA directory");
    }

    @Test
    void serialsAreRandomPositiveAndUniqueOver200Issues() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        Set<BigInteger> serials = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            BigInteger s = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("c" + i).build())
                    .certificate().getSerialNumber();
            assertThat(s.signum()).isPositive();
            assertThat(s.bitLength()).isLessThanOrEqualTo(127);
            serials.add(s);
        }
        assertThat(serials).hasSize(200);
        // 127 random bits: 200 serials all in the lower half would be absurd.
        assertThat(serials.stream().filter(s -> s.bitLength() >= 120)).hasSizeGreaterThan(150);
        assertThat(ca.list()).extracting(IndexEntry::serial).containsExactlyInAnyOrderElementsOf(serials);
        try (var files = Files.list(ca.directory().resolve("certs"))) {
            assertThat(files.count()).isEqualTo(200);
        }
    }

    @Test
    void concurrentIssuersNeverCorruptTheIndex() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority.initRoot(dir, CaParameters.root(), false);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<BigInteger>> jobs = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                int n = i;
                // A separate instance per job, as separate processes would have.
                jobs.add(() -> CertificateAuthority.open(dir)
                        .issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("c" + n).build())
                        .certificate().getSerialNumber());
            }
            Set<BigInteger> serials = new HashSet<>();
            for (Future<BigInteger> f : pool.invokeAll(jobs)) {
                serials.add(f.get());
            }
            assertThat(serials).hasSize(160);
            Collection<IndexEntry> entries = CertificateAuthority.open(dir).list();
            assertThat(entries).extracting(IndexEntry::serial).containsExactlyInAnyOrderElementsOf(serials);
        } finally {
            pool.shutdownNow();
        }
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    static byte[] ski(X509Certificate c) {
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(c.getExtensionValue("2.5.29.14")).getOctets())
                .getKeyIdentifier();
    }

    static byte[] aki(X509Certificate c) {
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(c.getExtensionValue("2.5.29.35")).getOctets())
                .getKeyIdentifierOctets();
    }
}
