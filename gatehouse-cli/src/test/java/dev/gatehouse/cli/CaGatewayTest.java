package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.EchoTarget;
import dev.gatehouse.server.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA and the gateway together, as a user runs them: certificates from {@code gatehouse ca} are used
 * by curl against Gatehouse in verify mode; a revoked one is refused within two seconds of
 * {@code gatehouse ca crl}, by the running gateway (no restart); {@code gatehouse verify} explains a
 * certificate issued for the wrong profile.
 */
class CaGatewayTest {
    @TempDir
    Path dir;

    @Test
    void revokedAfterCrlIsRefusedWithItsAlertByTheRunningGateway() throws Exception {
        Path ca = dir.resolve("ca");
        CaCommandTest.Cli.ok("ca", "init", "--dir", ca.toString(), "--cn", "Partner Root");
        CaCommandTest.Cli.ok("ca", "issue", "--dir", ca.toString(), "--profile", "server", "--cn", "localhost",
                "--san", "DNS:localhost", "--san", "IP:127.0.0.1", "--out", dir.toString(), "--name", "server");
        String alice = CaCommandTest.Cli.ok("ca", "issue", "--dir", ca.toString(), "--profile", "client", "--cn", "alice",
                "--out", dir.toString(), "--name", "alice").out();
        CaCommandTest.Cli.ok("ca", "issue", "--dir", ca.toString(), "--profile", "client", "--cn", "bob",
                "--out", dir.toString(), "--name", "bob");
        CaCommandTest.Cli.ok("ca", "crl", "--dir", ca.toString());

        try (EchoTarget target = EchoTarget.start()) {
            Path config = dir.resolve("gatehouse.yaml");
            Files.writeString(config, """
                    listeners:
                      - name: api
                        address: 127.0.0.1:0
                        tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                        mutual_authentication: { mode: verify, trust_store: partners }
                        default_action: { forward: echo }
                    trust_stores:
                      partners: { ca_certificates: ca/ca.pem, revocation_lists: [ ca/crl.pem ] }
                    target_groups:
                      echo: { targets: [ "%s" ] }
                    """.formatted(target.address()));

            Gateway gateway = Gateway.start(ConfigParser.parse(config));
            try {
                assertThat(curl(gateway, "alice").exitCode()).isZero();
                assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=alice");

                Matcher serial = Pattern.compile("serial[^0-9A-F]*([0-9A-F]{8,})").matcher(alice);
                assertThat(serial.find()).as(alice).isTrue();
                CaCommandTest.Cli.ok("ca", "revoke", "--dir", ca.toString(), "--serial", serial.group(1), "--reason", "keyCompromise");
                long published = System.nanoTime();
                CaCommandTest.Cli.ok("ca", "crl", "--dir", ca.toString());

                // The gateway notices the new CRL by itself (within 2 s; slack for busy shared machines).
                Processes.Result refused;
                do {
                    refused = opensslClient(gateway, "alice");
                    assertThat(System.nanoTime() - published).as("still accepted: %s", refused.all())
                            .isLessThan(Duration.ofSeconds(10).toNanos());
                } while (!refused.all().contains("certificate revoked"));
                assertThat(Duration.ofNanos(System.nanoTime() - published)).isLessThan(Duration.ofMillis(3_500));
                assertThat(curl(gateway, "bob").exitCode()).isZero();
                assertThat(target.lastRequest().get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=bob");
            } finally {
                gateway.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void verifyExplainsACertificateIssuedForTheWrongProfile() throws Exception {
        Path ca = dir.resolve("ca");
        CaCommandTest.Cli.ok("ca", "init", "--dir", ca.toString());
        CaCommandTest.Cli.ok("ca", "issue", "--dir", ca.toString(), "--profile", "server", "--cn", "api.example.test",
                "--san", "DNS:api.example.test", "--out", dir.toString(), "--name", "api");
        CaCommandTest.Cli.Result r = CaCommandTest.Cli.run("verify", "--trust-store", ca.resolve("ca.pem").toString(),
                "--purpose", "client", dir.resolve("api.pem").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("ClientCertPurposeInvalid");
        assertThat(r.out().lines().filter(l -> l.toLowerCase().contains("fail")).toList())
                .as(r.out()).anySatisfy(l -> assertThat(l.toLowerCase()).containsAnyOf("purpose", "key usage", "clientauth"));
        assertThat(CaCommandTest.Cli.run("verify", "--trust-store", ca.resolve("ca.pem").toString(), "--purpose", "server",
                "--hostname", "api.example.test", dir.resolve("api.pem").toString()).exit()).isZero();
    }

    private Processes.Result curl(Gateway gateway, String client) throws Exception {
        int port = gateway.boundPort("api");
        return Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10",
                "--cacert", dir.resolve("ca/ca.pem").toString(), "--resolve", "localhost:" + port + ":127.0.0.1",
                "--cert", dir.resolve(client + ".pem").toString(), "--key", dir.resolve(client + ".key").toString(),
                "https://localhost:" + port + "/"));
    }

    private Processes.Result opensslClient(Gateway gateway, String client) throws Exception {
        return Processes.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + gateway.boundPort("api"),
                "-servername", "localhost", "-tls1_2", "-ign_eof",
                "-cert", dir.resolve(client + ".pem").toString(), "-key", dir.resolve(client + ".key").toString()),
                "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", 20);
    }
}
