package dev.gatehouse.server.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.config.RuleConfig.ClientCertificateConditions;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The semantics of {@code when.client_certificate} (README, "Authorization by client identity"). */
class ClientCertificateMatcherTest {
    static HeldCertificate root;
    static ClientIdentity ops;
    static ClientIdentity partner;

    @BeforeAll
    static void certificates() {
        root = HeldCertificate.builder().subject("CN=Partner CA 2,O=Partners").ca(0).build();
        ops = ClientIdentity.of(List.of(HeldCertificate.builder().subject("CN=ops-7,OU=SRE,O=Acme")
                .serial(new BigInteger("03A5B1", 16)).addSanDns("node1.ops.example.com")
                .addSanUri("spiffe://example.org/ops/web").addSanEmail("Ops@Example.com")
                .signedBy(root).clientAuth().build().certificate()), true);
        partner = ClientIdentity.of(List.of(HeldCertificate.builder().subject("CN=José,O=Acme\\, Inc.")
                .addSanDns("a.b.ops.example.com").signedBy(root).clientAuth().build().certificate()), true);
    }

    static ClientCertificateConditions when(List<String> subject, List<String> issuer, List<String> dns,
                                            List<String> uri, List<String> email, List<String> serial,
                                            List<String> fingerprint) {
        return new ClientCertificateConditions(subject, issuer, dns, uri, email, serial, fingerprint);
    }

    static boolean subject(String pattern, ClientIdentity id) {
        return ClientCertificateMatcher.compile(when(List.of(pattern), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of()), false).matches(id);
    }

    @Test
    void subjectPatternsNameSomeAttributesInAnyOrderAndCase() {
        assertThat(subject("CN=ops-*", ops)).isTrue();
        assertThat(subject("CN=ops-*,O=Acme", ops)).isTrue();
        assertThat(subject("O=Acme,CN=ops-7", ops)).isTrue();
        assertThat(subject("cn=OPS-7", ops)).isTrue();
        assertThat(subject("OU=SRE", ops)).isTrue();
        assertThat(subject("CN=ops-*,O=Other", ops)).isFalse();
        assertThat(subject("CN=ops", ops)).isFalse();
        assertThat(subject("C=US", ops)).isFalse();
        // Escapes as printed in headers and logs; UTF-8 written plainly or escaped.
        assertThat(subject("O=Acme\\, Inc.", partner)).isTrue();
        assertThat(subject("CN=José", partner)).isTrue();
        assertThat(subject("CN=Jos\\C3\\A9", partner)).isTrue();
        assertThat(subject("O=Acme", partner)).isFalse();
    }

    @Test
    void issuerPatterns() {
        ClientCertificateMatcher m = ClientCertificateMatcher.compile(when(List.of(), List.of("CN=Partner CA*"),
                List.of(), List.of(), List.of(), List.of(), List.of()), false);
        assertThat(m.matches(ops)).isTrue();
        ClientCertificateMatcher other = ClientCertificateMatcher.compile(when(List.of(), List.of("CN=Other CA"),
                List.of(), List.of(), List.of(), List.of(), List.of()), false);
        assertThat(other.matches(ops)).isFalse();
    }

    @Test
    void aStarNeverCrossesADotInDnsNamesOrASlashInUris() {
        ClientCertificateMatcher dns = ClientCertificateMatcher.compile(when(List.of(), List.of(),
                List.of("*.ops.example.com"), List.of(), List.of(), List.of(), List.of()), false);
        assertThat(dns.matches(ops)).isTrue();
        assertThat(dns.matches(partner)).isFalse(); // a.b.ops.example.com
        assertThat(Wildcards.dns("*.OPS.example.com").matches("node1.ops.example.com")).isTrue();
        assertThat(Wildcards.dns("node*.ops.example.com").matches("node12.ops.example.com")).isTrue();
        assertThat(Wildcards.dns("*.example.com").matches("example.com")).isFalse();
        assertThat(Wildcards.uri("spiffe://example.org/ops/*").matches("spiffe://example.org/ops/web")).isTrue();
        assertThat(Wildcards.uri("spiffe://example.org/ops/*").matches("spiffe://example.org/ops/web/x")).isFalse();
        assertThat(Wildcards.uri("spiffe://example.org/*/web").matches("spiffe://example.org/ops/web")).isTrue();
        assertThat(Wildcards.uri("spiffe://example.org/OPS/*").matches("spiffe://example.org/ops/web")).isFalse();
        assertThat(Wildcards.email("*@example.com").matches("ops@EXAMPLE.com")).isTrue();
        assertThat(Wildcards.email("*").matches("ops@example.com")).isFalse();
    }

    @Test
    void serialsInAnyCaseWithColonsOrWithoutLeadingZerosAndFingerprints() {
        for (String s : List.of("03A5B1", "03a5b1", "03:a5:b1", "3A5B1", "03A5*")) {
            ClientCertificateMatcher m = ClientCertificateMatcher.compile(when(List.of(), List.of(), List.of(),
                    List.of(), List.of(), List.of(s), List.of()), false);
            assertThat(m.matches(ops)).as(s).isTrue();
            assertThat(m.matches(partner)).as(s).isFalse();
        }
        String fp = ops.fingerprintSha256().toUpperCase().replaceAll("(..)(?!$)", "$1:");
        ClientCertificateMatcher m = ClientCertificateMatcher.compile(when(List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(fp)), false);
        assertThat(m.matches(ops)).isTrue();
        assertThat(m.matches(partner)).isFalse();
    }

    @Test
    void everyFieldGivenMustMatch() {
        ClientCertificateMatcher m = ClientCertificateMatcher.compile(when(List.of("CN=ops-*"), List.of(),
                List.of("*.ops.example.com"), List.of("spiffe://example.org/ops/*"), List.of(), List.of(), List.of()),
                false);
        assertThat(m.matches(ops)).isTrue();
        ClientCertificateMatcher wrongUri = ClientCertificateMatcher.compile(when(List.of("CN=ops-*"), List.of(),
                List.of("*.ops.example.com"), List.of("spiffe://example.org/dev/*"), List.of(), List.of(), List.of()),
                false);
        assertThat(wrongUri.matches(ops)).isFalse();
    }

    @Test
    void onlyVerifiedIdentitiesMatchUnlessTheListenerTrustsUnverifiedOnes() {
        ClientIdentity unverified = ClientIdentity.of(ops.chain(), false);
        ClientCertificateConditions c = when(List.of("CN=ops-*"), List.of(), List.of(), List.of(), List.of(),
                List.of(), List.of());
        assertThat(ClientCertificateMatcher.compile(c, false).matches(unverified)).isFalse();
        assertThat(ClientCertificateMatcher.compile(c, true).matches(unverified)).isTrue();
        assertThat(ClientCertificateMatcher.compile(c, true).matches(null)).isFalse();
    }
}
