package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.CaCommandTest.Cli;
import dev.gatehouse.cli.CaCommandTest.OpenSsl;
import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse ca init}. */
class CaInitCommandTest {
    @TempDir
    Path tmp;

    @Test
    void rootWithDefaults() throws Exception {
        Path dir = tmp.resolve("pki");
        Cli.Result r = Cli.ok("ca", "init", "--dir", dir.toString());
        X509Certificate ca = Pem.readCertificates(dir.resolve("ca.pem")).get(0);
        assertThat(r.out()).startsWith("root CA created in " + dir)
                .contains("subject:      CN=Gatehouse Root CA")
                .contains("serial:       " + CertificateNames.serialHex(ca))
                .contains(CertificateNames.validity(ca));
        assertThat(r.err()).isEmpty();
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(((ECKey) ca.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(ca.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()).toDays()).isBetween(3650L, 3651L);
        OpenSsl.assertVerifies(OpenSsl.run("verify", "-x509_strict", "-CAfile", dir.resolve("ca.pem").toString(),
                dir.resolve("ca.pem").toString()));
        // The serial we print is the one openssl prints.
        assertThat(OpenSsl.run("x509", "-noout", "-serial", "-in", dir.resolve("ca.pem").toString()).output())
                .contains("serial=" + CertificateNames.serialHex(ca));
    }

    @Test
    void initWritesAnEmptyCrlThatAConfigCanNameAtOnce() throws Exception {
        Path dir = tmp.resolve("pki");
        Cli.Result r = Cli.ok("ca", "init", "--dir", dir.toString());
        assertThat(r.out()).contains("crl:          " + dir.resolve("crl.pem") + " (empty; next update ");
        X509CRL crl = Pem.readCrls(dir.resolve("crl.pem")).get(0);
        assertThat(crl.getRevokedCertificates()).isNull();
        assertThat(crl.getIssuerX500Principal()).isEqualTo(Pem.readCertificates(dir.resolve("ca.pem")).get(0).getSubjectX500Principal());
        assertThat(Files.exists(dir.resolve("crl.der"))).isTrue();

        Cli.ok("ca", "issue", "--dir", dir.toString(), "--profile", "server", "--cn", "localhost",
                "--san", "DNS:localhost", "--out", tmp.toString(), "--name", "server");
        Path config = tmp.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: api
                    address: 127.0.0.1:8443
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: partners }
                    default_action: { forward: app }
                trust_stores:
                  partners: { ca_certificates: pki/ca.pem, revocation_lists: [ pki/crl.pem ] }
                target_groups:
                  app: { targets: [ "127.0.0.1:9001" ] }
                """);
        Cli.Result validate = Cli.run("validate", "--config", config.toString());
        assertThat(validate.exit()).as(validate.err()).isZero();
    }

    @Test
    void anExistingCaIsRefusedWithoutForce() throws Exception {
        Path dir = tmp.resolve("pki");
        Cli.ok("ca", "init", "--dir", dir.toString());
        String key = Files.readString(dir.resolve("ca.key"));
        Cli.Result again = Cli.run("ca", "init", "--dir", dir.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).startsWith("gatehouse ca init: " + dir + " already holds a CA")
                .contains("use --force");
        assertThat(Files.readString(dir.resolve("ca.key"))).isEqualTo(key);

        Cli.ok("ca", "init", "--dir", dir.toString(), "--force", "--key-type", "rsa-2048");
        assertThat(Files.readString(dir.resolve("ca.key"))).isNotEqualTo(key);
        assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Pem.readCertificates(dir.resolve("ca.pem")).get(0).getPublicKey()).isInstanceOf(RSAKey.class);
    }

    @Test
    void keyTypesSubjectAndDays() throws Exception {
        Cli.ok("ca", "init", "--dir", tmp.resolve("p384").toString(), "--key-type", "ec-p384", "--days", "30",
                "--subject", "CN=Acme Root,O=Acme,C=DE");
        X509Certificate p384 = Pem.readCertificates(tmp.resolve("p384/ca.pem")).get(0);
        assertThat(((ECKey) p384.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(384);
        assertThat(p384.getSigAlgName()).isEqualTo("SHA384withECDSA");
        assertThat(CertificateNames.subject(p384)).isEqualTo("CN=Acme Root,O=Acme,C=DE");
        assertThat(Duration.between(p384.getNotBefore().toInstant(), p384.getNotAfter().toInstant()).toDays()).isBetween(30L, 31L);

        Cli.ok("ca", "init", "--dir", tmp.resolve("rsa").toString(), "--key-type", "rsa-4096", "--cn", "Big Root");
        X509Certificate rsa = Pem.readCertificates(tmp.resolve("rsa/ca.pem")).get(0);
        assertThat(((RSAKey) rsa.getPublicKey()).getModulus().bitLength()).isEqualTo(4096);
        assertThat(rsa.getSigAlgName()).isEqualTo("SHA256withRSA");
    }

    @Test
    void intermediateSignedByTheParentDirectory() throws Exception {
        Path root = tmp.resolve("root");
        Path ica = tmp.resolve("issuing");
        Cli.ok("ca", "init", "--dir", root.toString());
        Cli.Result r = Cli.ok("ca", "init", "--dir", ica.toString(), "--intermediate", "--parent", root.toString(),
                "--cn", "Acme Issuing CA");
        assertThat(r.out()).startsWith("intermediate CA created in " + ica).contains("issuer:       CN=Gatehouse Root CA");
        X509Certificate c = Pem.readCertificates(ica.resolve("ca.pem")).get(0);
        assertThat(c.getBasicConstraints()).isZero();
        assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays()).isBetween(1825L, 1826L);
        assertThat(Pem.readCertificates(ica.resolve("chain.pem"))).hasSize(2);
        OpenSsl.assertVerifies(OpenSsl.run("verify", "-x509_strict", "-CAfile", root.resolve("ca.pem").toString(),
                ica.resolve("ca.pem").toString()));
        // The root lists what it signed.
        assertThat(Cli.ok("ca", "list", "--dir", root.toString()).out())
                .contains(CertificateNames.serialHex(c) + "  CN=Acme Issuing CA");

        // pathlen:0 — the intermediate cannot be a parent.
        Cli.Result sub = Cli.run("ca", "init", "--dir", tmp.resolve("sub").toString(), "--intermediate", "--parent", ica.toString());
        assertThat(sub.exit()).isEqualTo(2);
        assertThat(sub.err()).contains("path length 0");
    }

    @Test
    void usageErrorsNameTheFlag() {
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--intermediate"),
                "gatehouse ca init: --intermediate needs --parent DIR");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--parent", tmp.toString()),
                "gatehouse ca init: --parent needs --intermediate");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--key-type", "dsa"),
                "gatehouse ca init: --key-type 'dsa' (expected: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096)");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--days", "0"),
                "gatehouse ca init: --days 0 (expected: > 0)");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--cn", "x", "--subject", "CN=y"),
                "gatehouse ca init: --cn and --subject exclude each other");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("a").toString(), "--subject", "nonsense"),
                "gatehouse ca init: subject 'nonsense'");
        assertUsage(Cli.run("ca", "init", "--dir", tmp.resolve("b").toString(), "--intermediate", "--parent",
                tmp.resolve("nothing").toString()), "is not a CA directory");
        assertThat(tmp.resolve("a")).doesNotExist();
    }

    static void assertUsage(Cli.Result r, String message) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(r.out()).isEmpty();
    }
}
