package dev.gatehouse.pki.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeldCertificateTest {
    @Test
    void chainVerifies() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Root").ca(1).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("leaf").signedBy(root).clientAuth().build();
        leaf.certificate().verify(root.certificate().getPublicKey());
        assertThat(leaf.certificate().getIssuerX500Principal()).isEqualTo(root.certificate().getSubjectX500Principal());
        assertThat(root.certificate().getBasicConstraints()).isEqualTo(1);
        assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(leaf.certificatePem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
    }
}
