package dev.gatehouse.server.target;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client certificate an https target group presents is loaded as a listener's certificate is: a key
 * that does not belong to it is a configuration error at the key, naming both files and the subject.
 */
class TargetClientCertificateTest {
    @TempDir
    Path dir;

    @Test
    void aTargetClientKeyThatDoesNotMatchItsCertificateIsAConfigErrorNamingTheKey() throws Exception {
        HeldCertificate a = HeldCertificate.builder().commonName("gateway-a").clientAuth().build();
        HeldCertificate b = HeldCertificate.builder().commonName("gateway-b").build();
        Files.writeString(dir.resolve("a.pem"), a.certificatePem());
        Files.writeString(dir.resolve("b.key"), b.privateKeyPem());
        Files.writeString(dir.resolve("ca.pem"), HeldCertificate.builder().commonName("Target CA").ca(0).build()
                .certificatePem());
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: app }
                trust_stores:
                  targets: { ca_certificates: ca.pem }
                target_groups:
                  app:
                    protocol: https
                    targets: ["127.0.0.1:9443"]
                    tls:
                      trust_store: targets
                      certificate: a.pem
                      private_key: b.key
                """);
        assertThatThrownBy(() -> Gateway.check(ConfigParser.parse(config)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(config + ":14: target_groups.app.tls.private_key: ")
                .hasMessageEndingWith("the private key in " + dir.resolve("b.key") + " does not match the certificate in "
                        + dir.resolve("a.pem") + " (subject CN=gateway-a)");
    }
}
