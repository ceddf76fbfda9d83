package dev.gatehouse.cli;

import static dev.gatehouse.cli.CaInitCommandTest.assertUsage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.CaCommandTest.Cli;
import dev.gatehouse.cli.CaCommandTest.OpenSsl;
import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code gatehouse ca issue}, judged by {@code openssl verify}. */
class CaIssueCommandTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "root {0}, leaf {1}")
    @CsvSource({"ec-p256, ec-p256", "rsa-2048, rsa-3072", "ec-p384, rsa-2048", "rsa-3072, ec-p384"})
    void underARootEachProfilePassesItsOwnPurposeOnly(String caKey, String leafKey) throws Exception {
        Path pki = tmp.resolve("pki");
        Cli.ok("ca", "init", "--dir", pki.toString(), "--key-type", caKey);
        Path root = pki.resolve("ca.pem");
        Cli.ok("ca", "issue", "--dir", pki.toString(), "--profile", "client", "--cn", "alice", "--key-type", leafKey);
        Cli.ok("ca", "issue", "--dir", pki.toString(), "--profile", "server", "--cn", "api.example.com", "--key-type", leafKey);
        Path client = pki.resolve("issued/alice.pem");
        Path server = pki.resolve("issued/api.example.com.pem");

        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", root, null, null, client));
        OpenSsl.assertVerifies(OpenSsl.verify("sslserver", root, null, null, server));
        OpenSsl.assertFails(OpenSsl.verify("sslserver", root, null, null, client), "unsuitable certificate purpose");
        OpenSsl.assertFails(OpenSsl.verify("sslclient", root, null, null, server), "unsuitable certificate purpose");
        // Host name check as a TLS client would do it: the CN became a DNS name.
        OpenSsl.assertVerifies(OpenSsl.run("verify", "-purpose", "sslserver", "-verify_hostname", "api.example.com",
                "-CAfile", root.toString(), server.toString()));
        OpenSsl.assertFails(OpenSsl.run("verify", "-purpose", "sslserver", "-verify_hostname", "www.example.com",
                "-CAfile", root.toString(), server.toString()), "hostname mismatch");

        for (String key : List.of("alice.key", "api.example.com.key")) {
            Path k = pki.resolve("issued").resolve(key);
            assertThat(Files.getPosixFilePermissions(k)).as(key).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        // The key file holds the certificate's key.
        OpenSsl.Result keyPub = OpenSsl.run("pkey", "-in", pki.resolve("issued/alice.key").toString(), "-pubout");
        OpenSsl.Result certPub = OpenSsl.run("x509", "-in", client.toString(), "-noout", "-pubkey");
        assertThat(keyPub.output().substring(keyPub.output().indexOf("-----")))
                .isEqualTo(certPub.output().substring(certPub.output().indexOf("-----")));
    }

    @ParameterizedTest(name = "intermediate {0}")
    @CsvSource({"ec-p256", "rsa-2048"})
    void underAnIntermediateTheChainVerifiesWithUntrusted(String icaKey) throws Exception {
        Path root = tmp.resolve("root");
        Path ica = tmp.resolve("issuing");
        Cli.ok("ca", "init", "--dir", root.toString());
        Cli.ok("ca", "init", "--dir", ica.toString(), "--intermediate", "--parent", root.toString(), "--key-type", icaKey);
        Cli.Result r = Cli.ok("ca", "issue", "--dir", ica.toString(), "--profile", "client", "--cn", "alice");
        assertThat(r.out()).contains("(with 1 intermediate)");
        Cli.ok("ca", "issue", "--dir", ica.toString(), "--profile", "server", "--cn", "My API", "--san", "DNS:api.internal",
                "--san", "IP:10.0.0.7", "--name", "api");
        Path rootPem = root.resolve("ca.pem");
        Path icaPem = ica.resolve("ca.pem");
        Path client = ica.resolve("issued/alice.pem");
        Path server = ica.resolve("issued/api.pem");

        assertThat(Pem.readCertificates(client)).hasSize(2);
        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", rootPem, icaPem, null, client));
        OpenSsl.assertVerifies(OpenSsl.verify("sslserver", rootPem, icaPem, null, server));
        // NAME.pem carries its intermediate: it is its own -untrusted bundle.
        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", rootPem, client, null, client));
        OpenSsl.assertFails(OpenSsl.verify("sslclient", rootPem, icaPem, null, server), "unsuitable certificate purpose");
        OpenSsl.assertFails(OpenSsl.verify("sslserver", rootPem, icaPem, null, client), "unsuitable certificate purpose");
        OpenSsl.assertVerifies(OpenSsl.run("verify", "-purpose", "sslserver", "-verify_ip", "10.0.0.7",
                "-CAfile", rootPem.toString(), "-untrusted", icaPem.toString(), server.toString()));
    }

    @Test
    void printsTheSerialAndSubjectAsOpensslDoes() throws Exception {
        Path pki = tmp.resolve("pki");
        Cli.ok("ca", "init", "--dir", pki.toString());
        Cli.Result r = Cli.ok("ca", "issue", "--dir", pki.toString(), "--profile", "client",
                "--subject", "CN=bob,OU=Payments,O=Acme\\, Inc.", "--name", "bob", "--san", "URI:spiffe://acme/bob",
                "--san", "email:bob@acme.example", "--days", "10");
        Path pem = pki.resolve("issued/bob.pem");
        X509Certificate c = Pem.readCertificates(pem).get(0);
        String serial = OpenSsl.run("x509", "-noout", "-serial", "-in", pem.toString()).output().lines()
                .filter(l -> l.startsWith("serial=")).findFirst().orElseThrow().substring("serial=".length());
        String subject = OpenSsl.run("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", pem.toString())
                .output().lines().filter(l -> l.startsWith("subject=")).findFirst().orElseThrow().substring("subject=".length());
        assertThat(r.out()).contains("serial:       " + serial + "\n")
                .contains("subject:      " + subject + "\n")
                .contains("validity:     " + CertificateNames.validity(c))
                .contains("names:        URI:spiffe://acme/bob, email:bob@acme.example")
                .contains("private key:  " + pki.resolve("issued/bob.key") + " (ec-p256, mode 0600)");
        assertThat(subject).isEqualTo("CN=bob,OU=Payments,O=Acme\\, Inc.");
        assertThat(Cli.ok("ca", "list", "--dir", pki.toString()).out()).contains(serial + "  " + subject + "  ");
    }

    @Test
    void neverOverwritesWithoutForce() throws Exception {
        Path pki = tmp.resolve("pki");
        Path out = tmp.resolve("out");
        Cli.ok("ca", "init", "--dir", pki.toString());
        Cli.ok("ca", "issue", "--dir", pki.toString(), "--profile", "client", "--cn", "alice", "--out", out.toString());
        String cert = Files.readString(out.resolve("alice.pem"));
        String key = Files.readString(out.resolve("alice.key"));

        Cli.Result again = Cli.run("ca", "issue", "--dir", pki.toString(), "--profile", "client", "--cn", "alice",
                "--out", out.toString());
        assertUsage(again, "gatehouse ca issue: " + out.resolve("alice.pem") + " already exists (use --force to overwrite it)");
        assertThat(Files.readString(out.resolve("alice.pem"))).isEqualTo(cert);
        assertThat(Files.readString(out.resolve("alice.key"))).isEqualTo(key);
        // Refused before issuing: the index holds one certificate.
        assertThat(Cli.ok("ca", "list", "--dir", pki.toString()).out().lines()).hasSize(2);

        Files.delete(out.resolve("alice.pem"));
        assertUsage(Cli.run("ca", "issue", "--dir", pki.toString(), "--profile", "client", "--cn", "alice",
                "--out", out.toString()), out.resolve("alice.key") + " already exists");
        assertThat(out.resolve("alice.pem")).doesNotExist();

        Cli.ok("ca", "issue", "--dir", pki.toString(), "--profile", "client", "--cn", "alice", "--out", out.toString(), "--force");
        assertThat(Files.readString(out.resolve("alice.key"))).isNotEqualTo(key);
        assertThat(Files.getPosixFilePermissions(out.resolve("alice.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        OpenSsl.assertVerifies(OpenSsl.verify("sslclient", pki.resolve("ca.pem"), null, null, out.resolve("alice.pem")));
    }

    @Test
    void usageErrorsNameTheFlag() throws Exception {
        Path pki = tmp.resolve("pki");
        Cli.ok("ca", "init", "--dir", pki.toString());
        String d = pki.toString();
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "client", "--cn", "a", "--san", "FOO:x"),
                "gatehouse ca issue: --san 'FOO:x': expected DNS:, IP:, URI: or email:\n");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "client", "--cn", "a", "--san", "IP:1.2.3"),
                "--san 'IP:1.2.3': not an IPv4 or IPv6 address");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "admin", "--cn", "a"),
                "gatehouse ca issue: --profile 'admin' (expected: client or server)");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "server", "--cn", "My Server"),
                "a server certificate needs at least one DNS or IP name");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "client"),
                "a subject is required (expected: --cn NAME or --subject DN)");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "client", "--cn", "a", "--name", "../evil"),
                "name '../evil'");
        assertUsage(Cli.run("ca", "issue", "--dir", d, "--profile", "client", "--cn", "a", "--key-type", "rsa-1024"),
                "--key-type 'rsa-1024'");
        assertUsage(Cli.run("ca", "issue", "--dir", tmp.resolve("none").toString(), "--profile", "client", "--cn", "a"),
                "is not a CA directory");
        Cli.Result missingProfile = Cli.run("ca", "issue", "--dir", d, "--cn", "a");
        assertThat(missingProfile.exit()).isEqualTo(2);
        assertThat(missingProfile.err()).contains("--profile");
        // Nothing was issued by any of these.
        assertThat(Cli.ok("ca", "list", "--dir", d).out().lines()).hasSize(1);
    }
}
