package dev.gatehouse.server.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which policy of a listener's {@code server_names} serves a server name or a Host header. */
class ServerNamesTest {
    static final ServerNames NAMES = ServerNames.of(List.of(
            List.of("partners.example.com", "*.partners.example.com"),
            List.of("api.partners.example.com")));

    @Test
    void exactNamesWinOverWildcardsAndWildcardsCoverOneLabel() {
        assertThat(NAMES.policyOf("partners.example.com")).isEqualTo(1);
        assertThat(NAMES.policyOf("eu.partners.example.com")).isEqualTo(1);
        assertThat(NAMES.policyOf("api.partners.example.com")).isEqualTo(2);
        assertThat(NAMES.policyOf("a.eu.partners.example.com")).isZero();
        assertThat(NAMES.policyOf("example.com")).isZero();
        assertThat(NAMES.policyOf(null)).isZero();
    }

    @Test
    void hostHeadersAreComparedWithoutPortCaseOrTrailingDot() {
        assertThat(NAMES.policyOfHost("Partners.Example.COM:8443")).isEqualTo(1);
        assertThat(NAMES.policyOfHost("partners.example.com.")).isEqualTo(1);
        assertThat(NAMES.policyOfHost("[::1]:8443")).isZero();
        assertThat(NAMES.policyOfHost("127.0.0.1")).isZero();
    }

    @Test
    void aSelectionServesOnlyTheHostsOfItsOwnPolicy() {
        ServerNames.Selection open = new ServerNames.Selection(NAMES, 0);
        ServerNames.Selection partners = new ServerNames.Selection(NAMES, 1);
        assertThat(open.serves("www.example.com")).isTrue();
        assertThat(open.serves("partners.example.com")).isFalse();
        assertThat(partners.serves("eu.partners.example.com:443")).isTrue();
        assertThat(partners.serves("www.example.com")).isFalse();
        assertThat(partners.serves(null)).isFalse();
    }
}
