package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CachingVerifierTest {
    final HeldCertificate root = HeldCertificate.builder().commonName("Root").ca(0).build();
    final CachingVerifier cache = new CachingVerifier(new CertificateVerifier(new SignatureCache(100)), 100);

    TrustStore store() throws PkiException {
        return TrustStore.of("bundle.pem", List.of(root.certificate()), List.of(), TrustStoreLimits.DEFAULTS,
                TrustStore.Use.CLIENT_VERIFICATION);
    }

    @Test
    void hitsForTheSameChainStoreAndParameters() throws Exception {
        TrustStore store = store();
        byte[][] der = {HeldCertificate.encoded(HeldCertificate.builder().signedBy(root).build().certificate())};
        Verdict first = cache.verify(store, der, VerificationParameters.client());
        Verdict second = cache.verify(store, der, VerificationParameters.client());
        assertThat(first.isSuccess()).isTrue();
        assertThat(second).isSameAs(first);
        assertThat(cache.hits()).isEqualTo(1);
        // Another generation of the store, or other parameters: a miss.
        cache.verify(store(), der, VerificationParameters.client());
        cache.verify(store, der, VerificationParameters.client().withIgnoreLeafExpiry(true));
        cache.verify(store, der, VerificationParameters.client().withMaxChainDepth(3));
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(4);
    }

    @Test
    void deterministicFailuresAreCachedTimeDependentOnesAreNot() throws Exception {
        TrustStore store = store();
        HeldCertificate stranger = HeldCertificate.builder().build();
        byte[][] untrusted = {HeldCertificate.encoded(stranger.certificate())};
        assertThat(cache.verify(store, untrusted, VerificationParameters.client()).status()).isEqualTo("ClientCertUntrusted");
        Verdict kept = cache.verify(store, untrusted, VerificationParameters.client());
        assertThat(kept.status()).isEqualTo("ClientCertUntrusted");
        assertThat(cache.hits()).isEqualTo(1);
        // A cached failure keeps its steps: the connection log names the failing one.
        assertThat(VerdictReport.failingStep(kept)).isNotNull();

        byte[][] expired = {HeldCertificate.encoded(HeldCertificate.builder().signedBy(root).expired().build().certificate())};
        cache.verify(store, expired, VerificationParameters.client());
        assertThat(cache.verify(store, expired, VerificationParameters.client()).status()).isEqualTo("ClientCertExpired");
        assertThat(cache.hits()).isEqualTo(1);
    }

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now;

        ManualClock(Instant start) {
            now = start;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    void aCachedSuccessIsRecheckedAgainstTheCurrentTime() throws Exception {
        TrustStore store = store();
        Instant notAfter = Instant.now().plus(Duration.ofHours(1));
        HeldCertificate shortLived = HeldCertificate.builder().signedBy(root)
                .validity(Instant.now().minus(Duration.ofHours(1)), notAfter).build();
        byte[][] der = {HeldCertificate.encoded(shortLived.certificate())};
        ManualClock clock = new ManualClock(notAfter.minusSeconds(1));
        CachingVerifier timed = new CachingVerifier(new CertificateVerifier(new SignatureCache(100)), 100, clock);
        assertThat(timed.verify(store, der, VerificationParameters.client()).isSuccess()).isTrue();
        assertThat(timed.verify(store, der, VerificationParameters.client()).isSuccess()).isTrue();
        assertThat(timed.hits()).isEqualTo(1);

        clock.now = notAfter.plusSeconds(1);
        Verdict expired = timed.verify(store, der, VerificationParameters.client());
        assertThat(expired.status()).isEqualTo("ClientCertExpired");
        assertThat(timed.hits()).isEqualTo(1);
        assertThat(timed.misses()).isEqualTo(2);
        // The leaf's expiry ignored: the same clock, a success.
        assertThat(timed.verify(store, der, VerificationParameters.client().withIgnoreLeafExpiry(true)).isSuccess()).isTrue();
    }

    @Test
    void sizeLimitsBeforeParsingAndMalformedDer() throws Exception {
        TrustStore store = store();
        byte[][] tooMany = new byte[11][];
        for (int i = 0; i < tooMany.length; i++) {
            tooMany[i] = new byte[] {0x30, 0};
        }
        assertThat(cache.verify(store, tooMany, VerificationParameters.client()).status()).isEqualTo("ClientCertMaxSizeExceeded");
        assertThat(cache.verify(store, new byte[][] {new byte[17 * 1024]}, VerificationParameters.client()).status())
                .isEqualTo("ClientCertMaxSizeExceeded");
        assertThat(cache.verify(store, new byte[][] {{0x30, 3, 1, 2, 3}}, VerificationParameters.client()).status())
                .isEqualTo("ClientCertInvalid");
    }

    @Test
    void signatureCacheIsSharedAcrossLeaves() throws Exception {
        SignatureCache signatures = new SignatureCache(100);
        CertificateVerifier v = new CertificateVerifier(signatures);
        HeldCertificate ca = HeldCertificate.builder().commonName("CA").ca(0).signedBy(root).build();
        TrustStore store = store();
        v.verify(store, List.of(HeldCertificate.builder().signedBy(ca).build().certificate(), ca.certificate()),
                VerificationParameters.client());
        assertThat(signatures.size()).isEqualTo(2);
        v.verify(store, List.of(HeldCertificate.builder().signedBy(ca).build().certificate(), ca.certificate()),
                VerificationParameters.client());
        assertThat(signatures.size()).isEqualTo(3); // only the new leaf's signature was checked
    }

    @Test
    void aCachedVerdictKeepsTheLeafAsItsBytesAndOneInstancePerIssuingCa() throws Exception {
        HeldCertificate fleetRoot = HeldCertificate.builder().commonName("Fleet Root").ca(1).build();
        HeldCertificate ca = HeldCertificate.builder().commonName("Fleet CA").ca(0).signedBy(fleetRoot).build();
        TrustStore store = TrustStore.of("fleet.pem", List.of(fleetRoot.certificate()), List.of(),
                TrustStoreLimits.DEFAULTS, TrustStore.Use.CLIENT_VERIFICATION);
        HeldCertificate device1 = HeldCertificate.builder().signedBy(ca).commonName("device-1")
                .addSanUri("spiffe://fleet/device-1").build();
        HeldCertificate device2 = HeldCertificate.builder().signedBy(ca).commonName("device-2").build();
        // Each connection hands over its own copy of the CA certificate, as a TLS stack does.
        Verdict first = cache.verify(store, new byte[][] {HeldCertificate.encoded(device1.certificate()),
                HeldCertificate.encoded(ca.certificate())}, VerificationParameters.client());
        Verdict second = cache.verify(store, new byte[][] {HeldCertificate.encoded(device2.certificate()),
                HeldCertificate.encoded(ca.certificate())}, VerificationParameters.client());
        assertThat(first.status()).as(first.explanation()).isEqualTo("Success");
        assertThat(second.status()).as(second.explanation()).isEqualTo("Success");

        // The leaf: its bytes and dates only, equal to the presented one; the CA: one instance for both.
        assertThat(first.path()).hasSize(3);
        assertThat(first.path().get(0)).isInstanceOf(DerCertificate.class).isEqualTo(device1.certificate());
        assertThat(first.path().get(0).getNotAfter()).isEqualTo(device1.certificate().getNotAfter());
        assertThat(second.path().get(1)).isSameAs(first.path().get(1)).isEqualTo(ca.certificate());

        // The identity was derived from the parsed leaf and is carried over whole.
        ClientIdentity fresh = ClientIdentity.of(List.of(device1.certificate(), ca.certificate(), fleetRoot.certificate()),
                true);
        ClientIdentity kept = first.identity();
        assertThat(kept).isEqualTo(fresh);
        assertThat(kept.subject()).isEqualTo(fresh.subject()).contains("device-1");
        assertThat(kept.serialNumber()).isEqualTo(fresh.serialNumber());
        assertThat(kept.sanUri()).containsExactly("spiffe://fleet/device-1");
        assertThat(kept.fingerprintSha256()).isEqualTo(fresh.fingerprintSha256());
        assertThat(kept.leafUrlEncodedPem()).isEqualTo(fresh.leafUrlEncodedPem());
        assertThat(kept.leaf()).isSameAs(first.path().get(0));
        // No steps: the gateway reads steps only of failures, and a success's were half its objects.
        assertThat(new CertificateVerifier().verify(store, List.of(device1.certificate(), ca.certificate()),
                VerificationParameters.client()).steps()).hasSizeGreaterThan(3);
        assertThat(first.steps()).isEmpty();
        assertThat(first.explanation()).contains("device-1");
        // And a hit hands out the kept verdict itself.
        assertThat(cache.verify(store, new byte[][] {HeldCertificate.encoded(device1.certificate()),
                HeldCertificate.encoded(ca.certificate())}, VerificationParameters.client())).isSameAs(first);
    }

    @Test
    void aKeptCertificateAnswersAsTheParsedOne() throws Exception {
        HeldCertificate held = HeldCertificate.builder().signedBy(root).commonName("device-7")
                .addSanDns("device-7.fleet.example").addSanIp("10.0.0.7").clientAuth().build();
        java.security.cert.X509Certificate parsed = held.certificate();
        java.security.cert.X509Certificate kept = DerCertificate.of(parsed);
        assertThat(DerCertificate.of(kept)).isSameAs(kept);
        assertThat(kept.getEncoded()).isEqualTo(parsed.getEncoded());
        assertThat(kept.getSubjectX500Principal()).isEqualTo(parsed.getSubjectX500Principal());
        assertThat(kept.getIssuerX500Principal()).isEqualTo(parsed.getIssuerX500Principal());
        assertThat(kept.getSerialNumber()).isEqualTo(parsed.getSerialNumber());
        assertThat(kept.getNotBefore()).isEqualTo(parsed.getNotBefore());
        assertThat(kept.getNotAfter()).isEqualTo(parsed.getNotAfter());
        assertThat(kept.getPublicKey()).isEqualTo(parsed.getPublicKey());
        assertThat(kept.getSubjectAlternativeNames()).isEqualTo(parsed.getSubjectAlternativeNames());
        assertThat(kept.getExtendedKeyUsage()).isEqualTo(parsed.getExtendedKeyUsage());
        assertThat(kept.getBasicConstraints()).isEqualTo(parsed.getBasicConstraints());
        assertThat(kept.getKeyUsage()).isEqualTo(parsed.getKeyUsage());
        assertThat(kept.getSigAlgName()).isEqualTo(parsed.getSigAlgName());
        assertThat(kept.getTBSCertificate()).isEqualTo(parsed.getTBSCertificate());
        assertThat(kept.getSignature()).isEqualTo(parsed.getSignature());
        assertThat(kept.getCriticalExtensionOIDs()).isEqualTo(parsed.getCriticalExtensionOIDs());
        assertThat(kept.getNonCriticalExtensionOIDs()).isEqualTo(parsed.getNonCriticalExtensionOIDs());
        assertThat(kept.getExtensionValue("2.5.29.17")).isEqualTo(parsed.getExtensionValue("2.5.29.17"));
        assertThat(kept).isEqualTo(parsed).hasSameHashCodeAs(parsed);
        kept.verify(root.certificate().getPublicKey());
        kept.checkValidity();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.checkValidity(new java.util.Date(0)))
                .isInstanceOf(java.security.cert.CertificateNotYetValidException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> kept.checkValidity(
                new java.util.Date(parsed.getNotAfter().getTime() + 1000)))
                .isInstanceOf(java.security.cert.CertificateExpiredException.class);
    }
}
