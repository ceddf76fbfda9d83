package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.testing.CapturedLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CRL past its {@code nextUpdate} is still used, and every build of the runtime state says so in a
 * WARN that names the trust store, the CRL, its issuer and how long it is overdue.
 */
class StaleCrlTest {
    @TempDir
    Path dir;

    @Test
    void everyStateBuildWarnsOfAStaleCrlNamingStoreFileIssuerAndHowOverdue() throws Exception {
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").addSanDns("localhost").build();
        server.writeTo(dir, "server");
        HeldCertificate staleCa = HeldCertificate.builder().subject("CN=Stale Partner CA,O=Partners").ca(0).build();
        HeldCertificate freshCa = HeldCertificate.builder().commonName("Fresh CA").ca(0).build();
        Files.writeString(dir.resolve("ca.pem"), staleCa.certificatePem() + freshCa.certificatePem());
        Instant nextUpdate = Instant.now().minus(Duration.ofHours(50));
        Files.writeString(dir.resolve("stale.crl"), HeldCertificate.crlPem(
                HeldCertificate.crl(staleCa, nextUpdate.minus(Duration.ofDays(7)), nextUpdate)));
        Files.writeString(dir.resolve("fresh.crl"), HeldCertificate.crlPem(HeldCertificate.crl(freshCa, Duration.ofDays(1))));
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                listeners:
                  - address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: partners }
                    default_action: { fixed_response: { status: 200 } }
                trust_stores:
                  partners:
                    ca_certificates: ca.pem
                    revocation_lists: [ stale.crl, fresh.crl ]
                """);
        GatewayConfig config = ConfigParser.parse(file);

        List<String> warnings;
        try (CapturedLog logged = CapturedLog.of(RuntimeState.class)) {
            Gateway.check(config);
            Gateway.check(config);
            warnings = logged.messages(Level.WARN);
        }
        assertThat(warnings).hasSize(2);
        for (String w : warnings) {
            assertThat(w)
                    .startsWith("trust store partners: the CRL " + dir.resolve("stale.crl")
                            + " of " + CertificateNames.subject(staleCa.certificate())
                            + " is overdue by 2d 2h (its nextUpdate was ")
                    .contains("still used");
        }
    }
}
