package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.VerificationParameters.Purpose;
import dev.gatehouse.pki.testing.HeldCertificate;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;

class CertificateVerifierTest {
    final HeldCertificate root = HeldCertificate.builder().commonName("Root").ca(-1).build();
    final HeldCertificate intermediate = HeldCertificate.builder().commonName("Issuing CA").ca(0).signedBy(root).build();
    final CertificateVerifier verifier = new CertificateVerifier(new SignatureCache(1000));

    static TrustStore store(List<X509CRL> crls, HeldCertificate... anchors) throws PkiException {
        List<X509Certificate> certs = new ArrayList<>();
        for (HeldCertificate a : anchors) {
            certs.add(a.certificate());
        }
        return TrustStore.of("test-bundle.pem", certs, crls, TrustStoreLimits.DEFAULTS, TrustStore.Use.CLIENT_VERIFICATION);
    }

    Verdict verify(VerificationParameters params, HeldCertificate... presented) throws PkiException {
        return verify(store(List.of(), root), params, presented);
    }

    Verdict verify(TrustStore store, VerificationParameters params, HeldCertificate... presented) {
        List<X509Certificate> chain = new ArrayList<>();
        for (HeldCertificate h : presented) {
            chain.add(h.certificate());
        }
        return verifier.verify(store, chain, params);
    }

    HeldCertificate.Builder leaf() {
        return HeldCertificate.builder().commonName("client-1").clientAuth().signedBy(intermediate);
    }

    HeldCertificate.Builder bare() {
        return HeldCertificate.builder().commonName("client-1").signedBy(intermediate);
    }

    @Test
    void keyIdentifiersAreRequiredOfServersButNotOfClients() throws Exception {
        HeldCertificate bareCa = HeldCertificate.builder().commonName("Device CA").ca(0).signedBy(root)
                .withoutKeyIdentifiers().build();
        HeldCertificate device = HeldCertificate.builder().commonName("device-1").clientAuth().serverAuth()
                .addSanDns("device-1.example.test").signedBy(bareCa).withoutKeyIdentifiers().build();
        Verdict client = verify(VerificationParameters.client(), device, bareCa);
        assertThat(client.status()).as(client.toString()).isEqualTo("Success");
        Verdict server = verify(VerificationParameters.server("device-1.example.test"), device, bareCa);
        assertThat(server.status()).as(server.toString()).isEqualTo("ClientCertInvalid");
        assertThat(server.explanation()).contains("key identifier");
    }

    @Test
    void goodChainSucceedsWithEveryStepPassing() throws Exception {
        HeldCertificate leaf = leaf().build();
        Verdict v = verify(VerificationParameters.client(), leaf, intermediate);
        assertThat(v.status()).as(v.toString()).isEqualTo("Success");
        assertThat(v.path()).containsExactly(leaf.certificate(), intermediate.certificate(), root.certificate());
        assertThat(v.steps()).extracting(Verdict.Step::name).containsExactly("parse", "chain building", "signatures",
                "validity", "purpose/key usage", "name constraints", "revocation", "hostname");
        assertThat(v.steps().subList(0, 6)).allMatch(Verdict.Step::passed);
        // No CRL in this store: revocation is reported as not checked, not as passed.
        assertThat(v.steps().get(6).outcome()).isEqualTo(Verdict.Outcome.NOT_CHECKED);
    }

    @Test
    void untrustedWhenNoPathOrBadSignature() throws Exception {
        HeldCertificate other = HeldCertificate.builder().commonName("Other").ca(0).build();
        Verdict v = verify(VerificationParameters.client(), leaf().signedBy(other).build(), other);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_UNTRUSTED);
        assertThat(v.explanation()).contains("CN=client-1", "issuer CN=Other");

        // Same issuer name, different key: the signature does not verify.
        HeldCertificate impostor = HeldCertificate.builder().commonName("Issuing CA").ca(0).build();
        Verdict sig = verify(VerificationParameters.client(), leaf().signedBy(impostor).build(), intermediate);
        assertThat(sig.failureCode()).contains(FailureCode.CLIENT_CERT_UNTRUSTED);
        assertThat(sig.explanation()).contains("signature does not verify");
    }

    @Test
    void missingWhenNothingPresented() throws Exception {
        Verdict v = verifier.verify(store(List.of(), root), List.of(), VerificationParameters.client());
        assertThat(v.status()).isEqualTo("ClientCertMissing");
    }

    @Test
    void depthCountsLeafAndAnchor() throws Exception {
        HeldCertificate i1 = HeldCertificate.builder().commonName("I1").ca(-1).signedBy(root).build();
        HeldCertificate i2 = HeldCertificate.builder().commonName("I2").ca(-1).signedBy(i1).build();
        HeldCertificate i3 = HeldCertificate.builder().commonName("I3").ca(-1).signedBy(i2).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("deep").signedBy(i3).build();
        Verdict v = verify(VerificationParameters.client(), leaf, i3, i2, i1);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_MAX_CHAIN_DEPTH_EXCEEDED);
        assertThat(verify(VerificationParameters.client().withMaxChainDepth(5), leaf, i3, i2, i1).isSuccess()).isTrue();
        // Trusting an intermediate shortens the path (partial chain).
        assertThat(verify(store(List.of(), root, i2), VerificationParameters.client(), leaf, i3).isSuccess()).isTrue();
    }

    @Test
    void expiredNotYetValidAndIgnoreExpiry() throws Exception {
        HeldCertificate expired = leaf().expired().build();
        Verdict v = verify(VerificationParameters.client(), expired, intermediate);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_EXPIRED);
        assertThat(v.explanation()).contains("CN=client-1", CertificateNames.serialHex(expired.certificate()), "expired at");
        assertThat(v.timeSensitive()).isTrue();
        assertThat(verify(VerificationParameters.client().withIgnoreLeafExpiry(true), expired, intermediate).isSuccess()).isTrue();

        assertThat(verify(VerificationParameters.client(), leaf().notYetValid().build(), intermediate).failureCode())
                .contains(FailureCode.CLIENT_CERT_NOT_YET_VALID);

        // Expiry of an intermediate is never ignored.
        HeldCertificate oldCa = HeldCertificate.builder().commonName("Issuing CA").ca(0).signedBy(root).expired().build();
        HeldCertificate leaf = leaf().signedBy(oldCa).build();
        assertThat(verify(VerificationParameters.client().withIgnoreLeafExpiry(true), leaf, oldCa).failureCode())
                .contains(FailureCode.CLIENT_CERT_EXPIRED);
        // A fixed time makes it valid.
        assertThat(verify(VerificationParameters.client().withTime(Instant.now().minus(Duration.ofDays(5))), leaf, oldCa)
                .status()).isEqualTo("ClientCertNotYetValid"); // the leaf was issued an hour ago
    }

    @Test
    void revocationByTheIssuersCrl() throws Exception {
        HeldCertificate leaf = leaf().build();
        X509CRL crl = HeldCertificate.crl(intermediate, Duration.ofDays(1), leaf.certificate().getSerialNumber());
        Verdict v = verify(store(List.of(crl), root, intermediate), VerificationParameters.client(), leaf);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_CRL_HIT);
        assertThat(v.explanation()).contains("revoked", CertificateNames.serialHex(leaf.certificate()));

        HeldCertificate other = leaf().build();
        Verdict ok = verify(store(List.of(crl), root, intermediate), VerificationParameters.client(), other);
        assertThat(ok.isSuccess()).isTrue();
        assertThat(ok.steps().get(6).detail()).startsWith("not revoked");

        // A stale CRL is still used, with a warning.
        X509CRL stale = HeldCertificate.crl(intermediate, Instant.now().minus(Duration.ofDays(3)),
                Instant.now().minus(Duration.ofDays(1)), leaf.certificate().getSerialNumber());
        TrustStore staleStore = store(List.of(stale), root, intermediate);
        assertThat(staleStore.warnings()).anyMatch(w -> w.contains("stale"));
        assertThat(verify(staleStore, VerificationParameters.client(), leaf).failureCode()).contains(FailureCode.CLIENT_CERT_CRL_HIT);
        assertThat(verify(staleStore, VerificationParameters.client(), other).warnings()).anyMatch(w -> w.contains("stale"));
    }

    @Test
    void revocationWithoutACrlIsNotCheckedRatherThanPassed() throws Exception {
        HeldCertificate leaf = leaf().build();
        Verdict none = verify(store(List.of(), root, intermediate), VerificationParameters.client(), leaf);
        assertThat(none.isSuccess()).isTrue();
        Verdict.Step step = none.steps().get(6);
        assertThat(step.name()).isEqualTo("revocation");
        assertThat(step.outcome()).isEqualTo(Verdict.Outcome.NOT_CHECKED);
        assertThat(step.outcome().label()).isEqualTo("not checked");
        assertThat(step.detail()).contains("no CRL of its issuer " + CertificateNames.subject(intermediate.certificate()));

        // The root's CRL checks the intermediate, but nothing checks the leaf: still not a pass.
        X509CRL rootCrl = HeldCertificate.crl(root, Duration.ofDays(1), BigInteger.TEN);
        Verdict partial = verify(store(List.of(rootCrl), root), VerificationParameters.client(), leaf, intermediate);
        assertThat(partial.isSuccess()).isTrue();
        assertThat(partial.steps().get(6).outcome()).isEqualTo(Verdict.Outcome.NOT_CHECKED);
        assertThat(partial.steps().get(6).detail()).startsWith("leaf CN=client-1")
                .contains("not revoked: CN=Issuing CA");

        // With the issuing CA's CRL in the store every certificate below the anchor is checked.
        X509CRL crl = HeldCertificate.crl(intermediate, Duration.ofDays(1), BigInteger.TEN);
        Verdict all = verify(store(List.of(crl), root, intermediate), VerificationParameters.client(), leaf);
        assertThat(all.steps().get(6).outcome()).isEqualTo(Verdict.Outcome.PASS);
    }

    @Test
    void theStoreExposesEachCrlsIssuerNextUpdateAndHowLongItIsOverdue() throws Exception {
        Instant nextUpdate = Instant.now().minus(Duration.ofHours(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        X509CRL stale = HeldCertificate.crl(intermediate, nextUpdate.minus(Duration.ofDays(2)), nextUpdate);
        X509CRL fresh = HeldCertificate.crl(root, Duration.ofDays(1));
        TrustStore store = store(List.of(stale, fresh), root, intermediate);
        Instant now = nextUpdate.plus(Duration.ofHours(30));

        assertThat(store.revocationLists()).hasSize(2);
        TrustStore.RevocationList first = store.revocationLists().get(0);
        assertThat(first.issuer()).isEqualTo(CertificateNames.subject(intermediate.certificate()));
        assertThat(first.nextUpdate()).isEqualTo(nextUpdate);
        assertThat(first.overdueAt(now)).isEqualTo(Duration.ofHours(30));
        assertThat(store.revocationLists().get(1).overdueAt(now)).isZero();
        assertThat(store.staleRevocationLists(now)).containsExactly(first);
        assertThat(store.staleRevocationLists(nextUpdate.minusSeconds(1))).isEmpty();
    }

    @Test
    void crlThatCannotBeUsedForThePathsIssuer() throws Exception {
        // Two anchors share a name; the CRL is signed by one of them, the leaf by the other.
        HeldCertificate twin = HeldCertificate.builder().commonName("Root").ca(-1).build();
        X509CRL crl = HeldCertificate.crl(root, Duration.ofDays(1), BigInteger.TEN);
        HeldCertificate leaf = HeldCertificate.builder().commonName("c").signedBy(twin).build();
        Verdict v = verify(store(List.of(crl), root, twin), VerificationParameters.client(), leaf);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_CRL_PROCESSING_ERROR);
    }

    @Test
    void purpose() throws Exception {
        Verdict server = verify(VerificationParameters.client(), bare().serverAuth().build(), intermediate);
        assertThat(server.failureCode()).contains(FailureCode.CLIENT_CERT_PURPOSE_INVALID);
        assertThat(server.explanation()).contains("serverAuth", "does not allow clientAuth");
        assertThat(verify(VerificationParameters.client().withPurpose(Purpose.ANY), bare().serverAuth().build(),
                intermediate).isSuccess()).isTrue();
        // No EKU at all: any purpose.
        assertThat(verify(VerificationParameters.client(), bare().build(), intermediate).isSuccess()).isTrue();
        // A CA certificate presented as the leaf.
        Verdict ca = verify(VerificationParameters.client(), intermediate);
        assertThat(ca.failureCode()).contains(FailureCode.CLIENT_CERT_PURPOSE_INVALID);
        assertThat(ca.explanation()).contains("is a CA certificate");
    }

    @Test
    void typeUnsupported() throws Exception {
        Verdict rsa = verify(VerificationParameters.client(), leaf().rsa(1024).build(), intermediate);
        assertThat(rsa.failureCode()).contains(FailureCode.CLIENT_CERT_TYPE_UNSUPPORTED);
        assertThat(rsa.explanation()).contains("RSA key of 1024 bits");
        assertThat(verify(VerificationParameters.client(), leaf().rsa(2048).build(), intermediate).isSuccess()).isTrue();

        Verdict sha1 = verify(VerificationParameters.client(), leaf().signatureAlgorithm("SHA1withECDSA").build(), intermediate);
        assertThat(sha1.failureCode()).contains(FailureCode.CLIENT_CERT_TYPE_UNSUPPORTED);
        assertThat(sha1.explanation()).contains("SHA1withECDSA");
    }

    @Test
    void invalid() throws Exception {
        Verdict v1 = verify(VerificationParameters.client(), leaf().v1().build(), intermediate);
        assertThat(v1.failureCode()).contains(FailureCode.CLIENT_CERT_INVALID);
        assertThat(v1.explanation()).contains("X.509 v1");

        HeldCertificate notCa = HeldCertificate.builder().commonName("Not a CA").notCaButSigns().signedBy(root).build();
        assertThat(verify(VerificationParameters.client(), leaf().signedBy(notCa).build(), notCa).failureCode())
                .contains(FailureCode.CLIENT_CERT_INVALID);

        HeldCertificate noKeyCertSign = HeldCertificate.builder().commonName("No KU").ca(0)
                .keyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature).signedBy(root).build();
        Verdict ku = verify(VerificationParameters.client(), leaf().signedBy(noKeyCertSign).build(), noKeyCertSign);
        assertThat(ku.failureCode()).contains(FailureCode.CLIENT_CERT_INVALID);
        assertThat(ku.explanation()).contains("keyCertSign");

        HeldCertificate strictRoot = HeldCertificate.builder().commonName("Strict Root").ca(0).build();
        HeldCertificate i1 = HeldCertificate.builder().commonName("I1").ca(-1).signedBy(strictRoot).build();
        HeldCertificate i2 = HeldCertificate.builder().commonName("I2").ca(-1).signedBy(i1).build();
        Verdict pathLen = verify(store(List.of(), strictRoot), VerificationParameters.client(),
                HeldCertificate.builder().commonName("c").signedBy(i2).build(), i2, i1);
        assertThat(pathLen.failureCode()).contains(FailureCode.CLIENT_CERT_INVALID);
        assertThat(pathLen.explanation()).contains("path length constraint 0");

        Verdict critical = verify(VerificationParameters.client(),
                leaf().extension("1.3.6.1.4.1.55555.1", true, DERNull.INSTANCE).build(), intermediate);
        assertThat(critical.failureCode()).contains(FailureCode.CLIENT_CERT_INVALID);
        assertThat(critical.explanation()).contains("unknown critical extension 1.3.6.1.4.1.55555.1");
        assertThat(verify(VerificationParameters.client(),
                leaf().extension("1.3.6.1.4.1.55555.1", false, DERNull.INSTANCE).build(), intermediate).isSuccess()).isTrue();
    }

    @Test
    void nameConstraints() throws Exception {
        NameConstraints nc = new NameConstraints(
                new GeneralSubtree[] {
                        new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.com")),
                        new GeneralSubtree(new GeneralName(GeneralName.rfc822Name, "example.com")),
                        new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, ".example.com")),
                        new GeneralSubtree(new GeneralName(GeneralName.iPAddress, "10.0.0.0/8"))},
                new GeneralSubtree[] {new GeneralSubtree(new GeneralName(GeneralName.dNSName, "secret.example.com"))});
        HeldCertificate constrained = HeldCertificate.builder().commonName("Constrained CA").ca(0).signedBy(root)
                .extension("2.5.29.30", true, nc).build();
        HeldCertificate ok = leaf().signedBy(constrained).addSanDns("a.example.com").addSanEmail("ops@example.com")
                .addSanUri("spiffe://svc.example.com/x").addSanIp("10.1.2.3").build();
        assertThat(verify(VerificationParameters.client(), ok, constrained).status()).isEqualTo("Success");

        for (HeldCertificate bad : List.of(
                leaf().signedBy(constrained).addSanDns("evil.org").build(),
                leaf().signedBy(constrained).addSanDns("x.secret.example.com").build(),
                leaf().signedBy(constrained).addSanEmail("ops@evil.org").build(),
                leaf().signedBy(constrained).addSanUri("https://example.org/").build(),
                leaf().signedBy(constrained).addSanIp("192.168.0.1").build())) {
            Verdict v = verify(VerificationParameters.client(), bad, constrained);
            assertThat(v.failureCode()).as(v.toString()).contains(FailureCode.CLIENT_CERT_INVALID);
            assertThat(v.steps()).filteredOn(s -> s.name().equals("name constraints")).singleElement()
                    .satisfies(s -> assertThat(s.outcome()).isEqualTo(Verdict.Outcome.FAIL));
        }
    }

    @Test
    void maxSizeExceeded() throws Exception {
        HeldCertificate leaf = leaf().build();
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(leaf.certificate());
        for (int i = 0; i < 10; i++) {
            chain.add(intermediate.certificate());
        }
        Verdict v = verifier.verify(store(List.of(), root), chain, VerificationParameters.client());
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_MAX_SIZE_EXCEEDED);
        assertThat(v.explanation()).contains("11 certificates");

        HeldCertificate.Builder big = leaf();
        for (int i = 0; i < 900; i++) {
            big.addSanDns("host-" + i + ".example.com");
        }
        Verdict huge = verify(VerificationParameters.client(), big.build(), intermediate);
        assertThat(huge.failureCode()).contains(FailureCode.CLIENT_CERT_MAX_SIZE_EXCEEDED);
    }

    @Test
    void outOfOrderAndExtraCertificatesAreTolerated() throws Exception {
        HeldCertificate i1 = HeldCertificate.builder().commonName("I1").ca(-1).signedBy(root).build();
        HeldCertificate i2 = HeldCertificate.builder().commonName("I2").ca(-1).signedBy(i1).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("c").signedBy(i2).build();
        HeldCertificate stranger = HeldCertificate.builder().commonName("Stranger").ca(0).build();
        Verdict v = verify(VerificationParameters.client(), leaf, stranger, i1, root, i2);
        assertThat(v.status()).as(v.toString()).isEqualTo("Success");
        assertThat(v.path()).containsExactly(leaf.certificate(), i2.certificate(), i1.certificate(), root.certificate());
    }

    @Test
    void prefersTheFailureOfThePathThatGotFurthest() throws Exception {
        // Two candidate issuers named "Issuing CA": one with another key (signature fails), one expired.
        HeldCertificate wrongKey = HeldCertificate.builder().commonName("Issuing CA").ca(0).signedBy(root).build();
        HeldCertificate expiredCa = HeldCertificate.builder().commonName("Issuing CA").ca(0).signedBy(root)
                .keyPair(intermediate.keyPair()).expired().build();
        HeldCertificate leaf = leaf().build();
        Verdict v = verify(VerificationParameters.client(), leaf, wrongKey, expiredCa);
        assertThat(v.failureCode()).contains(FailureCode.CLIENT_CERT_EXPIRED);
    }

    @Test
    void serverPurposeChecksTheHostname() throws Exception {
        HeldCertificate server = HeldCertificate.builder().commonName("api").serverAuth().signedBy(intermediate)
                .addSanDns("*.api.example.com").addSanIp("10.0.0.7").build();
        TrustStore s = store(List.of(), root);
        assertThat(verify(s, VerificationParameters.server("a.api.example.com"), server, intermediate).isSuccess()).isTrue();
        assertThat(verify(s, VerificationParameters.server("10.0.0.7"), server, intermediate).isSuccess()).isTrue();
        assertThat(verify(s, VerificationParameters.server("a.b.api.example.com"), server, intermediate).isSuccess()).isFalse();
        assertThat(verify(s, VerificationParameters.server("api.example.com"), server, intermediate).isSuccess()).isFalse();
        assertThat(verify(s, VerificationParameters.server("api"), server, intermediate).explanation()).contains("not valid for api");
    }

    @Test
    void trustStoreRejectsWhatItCannotUse() throws Exception {
        HeldCertificate leafInBundle = leaf().build();
        assertThatThrownBy(() -> store(List.of(), root, leafInBundle))
                .isInstanceOf(PkiException.class).hasMessageContaining("certificate #2").hasMessageContaining("CN=client-1")
                .hasMessageContaining("not a CA");
        HeldCertificate other = HeldCertificate.builder().commonName("Other").ca(0).build();
        assertThatThrownBy(() -> store(List.of(HeldCertificate.crl(other, Duration.ofDays(1))), root))
                .isInstanceOf(PkiException.class).hasMessageContaining("issuer CN=Other is not a certificate of the trust store");
        HeldCertificate twin = HeldCertificate.builder().commonName("Root").ca(-1).build();
        assertThatThrownBy(() -> store(List.of(HeldCertificate.crl(twin, Duration.ofDays(1))), root))
                .isInstanceOf(PkiException.class).hasMessageContaining("signature does not verify");
        assertThat(store(List.of(), root).generation()).isNotEqualTo(store(List.of(), root).generation());
        assertThat(store(List.of(), root, intermediate).caNames()).hasSize(2);
        // A target trust store may pin a self-signed server certificate.
        HeldCertificate pinned = HeldCertificate.builder().commonName("pinned").serverAuth().addSanDns("t.internal").build();
        TrustStore targets = TrustStore.of("targets.pem", List.of(pinned.certificate()), List.of(), TrustStoreLimits.DEFAULTS,
                TrustStore.Use.TARGET_VERIFICATION);
        assertThat(verify(targets, VerificationParameters.server("t.internal"), pinned).status()).isEqualTo("Success");
    }
}
