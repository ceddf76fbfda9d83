package dev.gatehouse.ca;

import static dev.gatehouse.ca.OpenSslVerifyTest.assertOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.Pem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationTest {
    @TempDir
    Path tmp;

    @Test
    void aRevokedClientFailsOpensslCrlCheckAndTheOthersPass() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        Path root = ca.directory().resolve("ca.pem");
        IssuedCertificate bad = ca.issue(client("mallory"));
        IssuedCertificate good = ca.issue(client("alice"));
        Path badPem = bad.writeTo(tmp, "mallory", false).certificate();
        Path goodPem = good.writeTo(tmp, "alice", false).certificate();

        ca.publishCrl(7);
        assertOk(OpenSsl.verify("sslclient", root, null, ca.directory().resolve("crl.pem"), badPem));

        IndexEntry revoked = ca.revoke(bad.certificate().getSerialNumber(), RevocationReason.KEY_COMPROMISE);
        assertThat(revoked.reason()).contains(RevocationReason.KEY_COMPROMISE);
        // Not on a CRL until one is published.
        assertOk(OpenSsl.verify("sslclient", root, null, ca.directory().resolve("crl.pem"), badPem));

        ca.publishCrl(7);
        OpenSsl.Result r = OpenSsl.verify("sslclient", root, null, ca.directory().resolve("crl.pem"), badPem);
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("certificate revoked");
        assertOk(OpenSsl.verify("sslclient", root, null, ca.directory().resolve("crl.pem"), goodPem));
        // The DER file is the same CRL.
        OpenSsl.Result der = OpenSsl.run("verify", "-purpose", "sslclient", "-CAfile", root.toString(), "-crl_check",
                "-CRLfile", ca.directory().resolve("crl.der").toString(), badPem.toString());
        assertThat(der.output()).as(der.output()).contains("certificate revoked");

        OpenSsl.Result text = OpenSsl.run("crl", "-noout", "-text", "-in", ca.directory().resolve("crl.pem").toString());
        assertThat(text.output()).contains("Key Compromise", "X509v3 Authority Key Identifier", "X509v3 CRL Number");
    }

    @Test
    void underAnIntermediateTheIntermediatesCrlRevokes() throws Exception {
        CertificateAuthority root = CertificateAuthority.initRoot(tmp.resolve("root"), CaParameters.root(), false);
        CertificateAuthority ica = CertificateAuthority.initIntermediate(tmp.resolve("ica"), root,
                CaParameters.intermediate().withKeySpec(KeySpec.RSA_2048), false);
        Path rootPem = root.directory().resolve("ca.pem");
        Path icaPem = ica.directory().resolve("ca.pem");
        IssuedCertificate server = ica.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("api.example.com").build());
        Path pem = server.writeTo(tmp, "api", false).certificate();

        ica.publishCrl(7);
        assertOk(OpenSsl.verify("sslserver", rootPem, icaPem, ica.directory().resolve("crl.pem"), pem));
        ica.revoke(server.certificate().getSerialNumber(), RevocationReason.SUPERSEDED);
        ica.publishCrl(7);
        OpenSsl.Result r = OpenSsl.verify("sslserver", rootPem, icaPem, ica.directory().resolve("crl.pem"), pem);
        assertThat(r.output()).as(r.output()).contains("certificate revoked");

        // -crl_check_all: the root's CRL covers the intermediate; revoking it there fails the whole chain.
        root.publishCrl(7);
        Path bothCrls = tmp.resolve("crls.pem");
        Files.writeString(bothCrls, Files.readString(root.directory().resolve("crl.pem")));
        IssuedCertificate other = ica.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("web.example.com").build());
        Path otherPem = other.writeTo(tmp, "web", false).certificate();
        List<String> all = List.of("verify", "-purpose", "sslserver", "-CAfile", rootPem.toString(), "-untrusted",
                icaPem.toString(), "-crl_check_all", "-CRLfile", ica.directory().resolve("crl.pem").toString(),
                "-CRLfile", bothCrls.toString(), otherPem.toString());
        assertOk(OpenSsl.run(all.toArray(String[]::new)));
        root.revoke(ica.certificate().getSerialNumber(), RevocationReason.CA_COMPROMISE);
        root.publishCrl(7);
        Files.writeString(bothCrls, Files.readString(root.directory().resolve("crl.pem")));
        OpenSsl.Result caRevoked = OpenSsl.run(all.toArray(String[]::new));
        assertThat(caRevoked.output()).as(caRevoked.output()).contains("certificate revoked");
    }

    @Test
    void crlNumberIncreasesAndNextUpdateFollowsDays() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        X509CRL first = ca.publishCrl(7);
        X509CRL second = ca.publishCrl(30);
        assertThat(crlNumber(first)).isEqualTo(BigInteger.ONE);
        assertThat(crlNumber(second)).isEqualTo(BigInteger.TWO);
        assertThat(Duration.between(second.getThisUpdate().toInstant(), second.getNextUpdate().toInstant()))
                .isEqualTo(Duration.ofDays(30));
        assertThat(second.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        second.verify(ca.certificate().getPublicKey());
        assertThat(second.getExtensionValue("2.5.29.35")).as("AKI").isNotNull();
        assertThat(Pem.readCrls(ca.directory().resolve("crl.pem"))).containsExactly(second);
        assertThat(Pem.readCrls(ca.directory().resolve("crl.der"))).containsExactly(second);
        assertThat(Files.readString(ca.directory().resolve("crlnumber")).trim()).isEqualTo("2");
        assertThat(CertificateAuthority.open(ca.directory()).publishCrl(1)).satisfies(c -> assertThat(crlNumber(c)).isEqualTo(BigInteger.valueOf(3)));
    }

    @Test
    void crlListsEveryRevokedSerialWithItsReason() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        BigInteger a = ca.issue(client("a")).certificate().getSerialNumber();
        BigInteger b = ca.issue(client("b")).certificate().getSerialNumber();
        BigInteger c = ca.issue(client("c")).certificate().getSerialNumber();
        ca.revoke(a, RevocationReason.UNSPECIFIED);
        ca.revoke(c, RevocationReason.CESSATION_OF_OPERATION);
        X509CRL crl = ca.publishCrl(7);
        assertThat(crl.getRevokedCertificates()).extracting(e -> e.getSerialNumber()).containsExactlyInAnyOrder(a, c);
        assertThat(crl.getRevokedCertificate(a).getRevocationReason()).as("unspecified: no reason code").isNull();
        assertThat(crl.getRevokedCertificate(c).getRevocationReason()).isEqualTo(java.security.cert.CRLReason.CESSATION_OF_OPERATION);
        assertThat(crl.getRevokedCertificate(b)).isNull();
    }

    @Test
    void revokeRejectsUnknownAndTwiceRevokedSerials() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        BigInteger s = ca.issue(client("a")).certificate().getSerialNumber();
        assertThatThrownBy(() -> ca.revoke(BigInteger.valueOf(0xABCD), RevocationReason.UNSPECIFIED))
                .isInstanceOf(CaException.class).hasMessageContaining("no certificate with serial ABCD");
        ca.revoke(s, RevocationReason.SUPERSEDED);
        assertThatThrownBy(() -> ca.revoke(s, RevocationReason.KEY_COMPROMISE))
                .isInstanceOf(CaException.class).hasMessageContaining("already revoked").hasMessageContaining("superseded");
    }

    @Test
    void listShowsValidRevokedAndExpired() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        BigInteger shortLived = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("short").days(1).build())
                .certificate().getSerialNumber();
        BigInteger revoked = ca.issue(client("gone")).certificate().getSerialNumber();
        BigInteger valid = ca.issue(client("here")).certificate().getSerialNumber();
        ca.revoke(revoked, RevocationReason.AFFILIATION_CHANGED);

        List<IndexEntry> entries = CertificateAuthority.open(ca.directory()).list();
        assertThat(entries).extracting(IndexEntry::serial).containsExactly(shortLived, revoked, valid);
        Instant now = Instant.now();
        assertThat(entries).extracting(e -> e.status(now))
                .containsExactly(IndexEntry.Status.VALID, IndexEntry.Status.REVOKED, IndexEntry.Status.VALID);
        Instant later = now.plus(Duration.ofDays(2));
        assertThat(entries).extracting(e -> e.status(later))
                .containsExactly(IndexEntry.Status.EXPIRED, IndexEntry.Status.REVOKED, IndexEntry.Status.VALID);
        assertThat(entries.get(1).subject().getName()).isEqualTo("CN=gone");
        assertThat(entries.get(1).reason()).contains(RevocationReason.AFFILIATION_CHANGED);
        assertThat(ca.withClock(Clock.fixed(later, ZoneOffset.UTC)).now()).isEqualTo(later);
    }

    @Test
    void indexIsPlainTabSeparatedText() throws Exception {
        CertificateAuthority ca = CertificateAuthority.initRoot(tmp.resolve("pki"), CaParameters.root(), false);
        IssuedCertificate c = ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).subject("CN=bob,O=Acme\\, Inc.").build());
        ca.revoke(c.certificate().getSerialNumber(), RevocationReason.KEY_COMPROMISE);
        List<String> lines = Files.readAllLines(ca.directory().resolve("index"));
        assertThat(lines.get(0)).startsWith("# gatehouse-ca index v1");
        String[] f = lines.get(2).split("\t");
        assertThat(f).hasSize(6);
        assertThat(new BigInteger(f[0], 16)).isEqualTo(c.certificate().getSerialNumber());
        assertThat(f[0]).isEqualTo(f[0].toUpperCase()).hasSize(32);
        assertThat(Instant.parse(f[1])).isEqualTo(c.certificate().getNotAfter().toInstant());
        assertThat(f[2]).isEqualTo("revoked");
        assertThat(f[4]).isEqualTo("keyCompromise");
        assertThat(ca.list().get(0).subject()).isEqualTo(c.certificate().getSubjectX500Principal());
    }

    private static IssueRequest client(String cn) {
        return IssueRequest.builder(IssuanceProfile.CLIENT).commonName(cn).build();
    }

    private static BigInteger crlNumber(X509CRL crl) {
        return ASN1Integer.getInstance(ASN1OctetString.getInstance(crl.getExtensionValue("2.5.29.20")).getOctets()).getValue();
    }
}
