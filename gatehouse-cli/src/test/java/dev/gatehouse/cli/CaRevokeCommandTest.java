package dev.gatehouse.cli;

import static dev.gatehouse.cli.CaInitCommandTest.assertUsage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.CaCommandTest.Cli;
import dev.gatehouse.cli.CaCommandTest.OpenSsl;
import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.Pem;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse ca revoke}, {@code ca crl} and {@code ca list}, judged by {@code openssl verify -crl_check}. */
class CaRevokeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aRevokedCertificateFailsCrlCheckAfterCaCrl() throws Exception {
        Path pki = tmp.resolve("pki");
        String d = pki.toString();
        Cli.ok("ca", "init", "--dir", d);
        Cli.ok("ca", "issue", "--dir", d, "--profile", "client", "--cn", "mallory");
        Cli.ok("ca", "issue", "--dir", d, "--profile", "client", "--cn", "alice");
        Path root = pki.resolve("ca.pem");
        Path crl = pki.resolve("crl.pem");
        Path mallory = pki.resolve("issued/mallory.pem");
        Path alice = pki.resolve("issued/alice.pem");
        String serial = CertificateNames.serialHex(Pem.readCertificates(mallory).get(0));

        Cli.ok("ca", "crl", "--dir", d);
        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", root, null, crl, mallory));

        // As openssl x509 -text prints it: lower case with colons.
        String colons = serial.toLowerCase().replaceAll("(..)(?!$)", "$1:");
        Cli.Result revoked = Cli.ok("ca", "revoke", "--dir", d, "--serial", colons, "--reason", "keyCompromise");
        assertThat(revoked.out()).startsWith("revoked " + serial + " CN=mallory (keyCompromise)\n")
                .contains("a running gateway that names this CRL in a trust store picks up the new file within 2 s"
                        + " (or on SIGHUP)");

        Cli.Result published = Cli.ok("ca", "crl", "--dir", d, "--days", "3");
        // CRL 1 is the empty one of ca init, 2 the first ca crl.
        assertThat(published.out()).contains("number:       3\n", "revoked:      1 certificate\n",
                "a running gateway that names this CRL in a trust store picks up the new file within 2 s (or on SIGHUP)");
        OpenSsl.assertFails(OpenSsl.verify("sslclient", root, null, crl, mallory), "certificate revoked");
        OpenSsl.assertFails(OpenSsl.run("verify", "-purpose", "sslclient", "-CAfile", root.toString(), "-crl_check",
                "-CRLfile", pki.resolve("crl.der").toString(), mallory.toString()), "certificate revoked");
        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", root, null, crl, alice));

        X509CRL x = Pem.readCrls(crl).get(0);
        assertThat(Duration.between(x.getThisUpdate().toInstant(), x.getNextUpdate().toInstant())).isEqualTo(Duration.ofDays(3));
        assertThat(OpenSsl.run("crl", "-noout", "-text", "-in", crl.toString()).output())
                .contains("Serial Number: " + serial, "Key Compromise", "X509v3 CRL Number: \n                3");

        List<String> lines = Cli.ok("ca", "list", "--dir", d).out().lines().collect(Collectors.toList());
        assertThat(lines.get(0)).matches("SERIAL +SUBJECT +NOT AFTER +STATUS");
        assertThat(lines).hasSize(3);
        // The serial column is as wide as the longest serial: a serial with a leading zero byte is shorter.
        assertThat(lines.get(1)).matches(serial + " {2,}CN=mallory .*  revoked");
        assertThat(lines.get(2)).contains("  CN=alice ").endsWith("  valid");
    }

    @Test
    void underAnIntermediateItsCrlRevokes() throws Exception {
        Path root = tmp.resolve("root");
        Path ica = tmp.resolve("issuing");
        Cli.ok("ca", "init", "--dir", root.toString(), "--key-type", "rsa-2048");
        Cli.ok("ca", "init", "--dir", ica.toString(), "--intermediate", "--parent", root.toString());
        Cli.ok("ca", "issue", "--dir", ica.toString(), "--profile", "server", "--cn", "api.example.com");
        Path server = ica.resolve("issued/api.example.com.pem");
        Path rootPem = root.resolve("ca.pem");
        Path icaPem = ica.resolve("ca.pem");
        Path crl = ica.resolve("crl.pem");

        Cli.ok("ca", "crl", "--dir", ica.toString());
        OpenSsl.assertVerifies(OpenSsl.verify("sslserver", rootPem, icaPem, crl, server));
        String serial = CertificateNames.serialHex(Pem.readCertificates(server).get(0));
        Cli.ok("ca", "revoke", "--dir", ica.toString(), "--serial", serial, "--reason", "superseded");
        // Not on a CRL until ca crl runs.
        OpenSsl.assertVerifies(OpenSsl.verify("sslserver", rootPem, icaPem, crl, server));
        Cli.ok("ca", "crl", "--dir", ica.toString());
        OpenSsl.assertFails(OpenSsl.verify("sslserver", rootPem, icaPem, crl, server), "certificate revoked");
    }

    @Test
    void revokeErrors() throws Exception {
        Path pki = tmp.resolve("pki");
        String d = pki.toString();
        Cli.ok("ca", "init", "--dir", d);
        Cli.ok("ca", "issue", "--dir", d, "--profile", "client", "--cn", "alice");
        String serial = Cli.ok("ca", "list", "--dir", d).out().lines().skip(1).findFirst().orElseThrow().split(" ")[0];

        assertUsage(Cli.run("ca", "revoke", "--dir", d, "--serial", "zz"), "gatehouse ca revoke: --serial 'zz'");
        assertUsage(Cli.run("ca", "revoke", "--dir", d, "--serial", "0ABC"),
                "gatehouse ca revoke: no certificate with serial 0ABC in ");
        assertUsage(Cli.run("ca", "revoke", "--dir", d, "--serial", serial, "--reason", "lost"),
                "gatehouse ca revoke: --reason 'lost' (expected: unspecified, keyCompromise, caCompromise,"
                        + " affiliationChanged, superseded, cessationOfOperation, certificateHold)");
        Cli.ok("ca", "revoke", "--dir", d, "--serial", serial);
        assertUsage(Cli.run("ca", "revoke", "--dir", d, "--serial", serial), "is already revoked");
        assertUsage(Cli.run("ca", "crl", "--dir", d, "--days", "-1"), "gatehouse ca crl: --days -1 (expected: > 0)");
        assertUsage(Cli.run("ca", "list", "--dir", tmp.resolve("none").toString()), "is not a CA directory");
    }

    @Test
    void listOfAnEmptyCaIsJustTheHeader() throws Exception {
        Path pki = tmp.resolve("pki");
        Cli.ok("ca", "init", "--dir", pki.toString());
        assertThat(Cli.ok("ca", "list", "--dir", pki.toString()).out()).isEqualTo("SERIAL  SUBJECT  NOT AFTER  STATUS\n");
    }
}
