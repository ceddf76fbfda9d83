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
        assertThat(cache.verify(store, untrusted, VerificationParameters.client()).status()).isEqualTo("ClientCertUntrusted");
        assertThat(cache.hits()).isEqualTo(1);

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
}
