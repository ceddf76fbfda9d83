package dev.gatehouse.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IssueRequestTest {
    @Test
    void serverCommonNameThatIsAHostBecomesASan() {
        IssueRequest r = IssueRequest.builder(IssuanceProfile.SERVER).commonName("api.example.com").build();
        assertThat(r.subjectAltNames()).extracting(Object::toString).containsExactly("DNS:api.example.com");
        IssueRequest ip = IssueRequest.builder(IssuanceProfile.SERVER).commonName("10.1.2.3").build();
        assertThat(ip.subjectAltNames()).extracting(Object::toString).containsExactly("IP:10.1.2.3");
        IssueRequest dup = IssueRequest.builder(IssuanceProfile.SERVER).commonName("API.example.com")
                .subjectAltName(SubjectAltName.parse("dns:api.example.com")).build();
        assertThat(dup.subjectAltNames()).hasSize(1);
    }

    @Test
    void serverWithoutAHostNameIsRefused() {
        assertThatThrownBy(() -> IssueRequest.builder(IssuanceProfile.SERVER).commonName("My Server")
                .subjectAltName(SubjectAltName.parse("URI:spiffe://x/y")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one DNS or IP name");
        IssueRequest withSan = IssueRequest.builder(IssuanceProfile.SERVER).commonName("My Server")
                .subjectAltName(SubjectAltName.parse("DNS:a.example")).build();
        assertThat(withSan.subjectAltNames()).extracting(Object::toString).containsExactly("DNS:a.example");
    }

    @Test
    void clientCommonNameIsNotCopied() {
        IssueRequest r = IssueRequest.builder(IssuanceProfile.CLIENT).commonName("svc.example.com").build();
        assertThat(r.subjectAltNames()).isEmpty();
        assertThat(r.days()).isEqualTo(365);
        assertThat(r.keySpec()).isEqualTo(KeySpec.EC_P256);
    }

    @Test
    void subjectIsRequired() {
        assertThatThrownBy(() -> IssueRequest.builder(IssuanceProfile.CLIENT).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject is required");
        assertThatThrownBy(() -> IssueRequest.builder(IssuanceProfile.CLIENT).subject("not a dn"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject 'not a dn'");
        assertThatThrownBy(() -> IssueRequest.builder(IssuanceProfile.CLIENT).days(0))
                .hasMessage("days: 0 (expected: > 0)");
    }

    @Test
    void sanParsing() {
        assertThat(SubjectAltName.parse("DNS:a.example").type()).isEqualTo(SubjectAltName.Type.DNS);
        assertThat(SubjectAltName.parse("ip:::1").value()).isEqualTo("::1");
        assertThat(SubjectAltName.parse("URI:spiffe://example.org/a").type()).isEqualTo(SubjectAltName.Type.URI);
        assertThat(SubjectAltName.parse("email:a@example.org").toString()).isEqualTo("email:a@example.org");
        assertThatThrownBy(() -> SubjectAltName.parse("FOO:x")).hasMessage("'FOO:x': expected DNS:, IP:, URI: or email:");
        assertThatThrownBy(() -> SubjectAltName.parse("a.example")).hasMessageContaining("expected DNS:, IP:, URI: or email:");
        assertThatThrownBy(() -> SubjectAltName.parse("IP:300.1.1.1")).hasMessageContaining("not an IPv4 or IPv6 address");
        assertThatThrownBy(() -> SubjectAltName.parse("DNS:bad name")).hasMessageContaining("not a host name");
        assertThatThrownBy(() -> SubjectAltName.parse("URI:no-scheme")).hasMessageContaining("scheme");
        assertThatThrownBy(() -> SubjectAltName.parse("email:nobody")).hasMessageContaining("not an e-mail address");
    }

    @Test
    void cliNames() {
        assertThat(KeySpec.fromCliName("RSA-4096")).isEqualTo(KeySpec.RSA_4096);
        assertThatThrownBy(() -> KeySpec.fromCliName("dsa"))
                .hasMessage("key type 'dsa' (expected: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096)");
        assertThat(RevocationReason.fromRfcName("keycompromise")).isEqualTo(RevocationReason.KEY_COMPROMISE);
        assertThatThrownBy(() -> RevocationReason.fromRfcName("lost")).hasMessageContaining("cessationOfOperation");
        assertThat(IssuanceProfile.fromCliName("Server")).isEqualTo(IssuanceProfile.SERVER);
    }
}
