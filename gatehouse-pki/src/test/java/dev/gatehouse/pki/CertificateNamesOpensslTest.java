package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.pki.testing.Tools;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link CertificateNames} against the real {@code openssl} binary, byte for byte. */
class CertificateNamesOpensslTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void opensslPresent() {
        Tools.assumeInstalled("openssl");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0A1B", "0A", "01", "7F", "80", "FF", "8001", "00FF00", "0100", "1234567890ABCDEF1234567890ABCDEF12345678"})
    void serialMatchesOpenssl(String hex) throws Exception {
        HeldCertificate c = HeldCertificate.builder().commonName("serial").serial(new BigInteger(hex, 16)).build();
        String openssl = openssl(c, "-serial");
        assertThat(openssl).startsWith("serial=");
        assertThat(CertificateNames.serialHex(c.certificate())).isEqualTo(openssl.substring("serial=".length()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "CN=plain,O=Acme,C=US",
            "CN=caf\u00e9 \u65e5\u672c,O=Acme",
            "CN=Doe\\, John,OU=R&D",
            "EmailAddress=ops@example.com,CN=ops-1,O=Acme",
            "CN=a+UID=b,O=multi",
            "UID=b+CN=a,O=multi",
            "CN=\\#hash,OU=\\ lead and trail\\ ",
            "CN=quote\\\"semi\\;lt\\<gt\\>plus\\+back\\\\slash",
            "CN=tab\there,O=ctrl\u0001x\u007f",
            "DC=example,DC=com,CN=emoji \ud83d\ude00",
            "CN=x,serialNumber=1234,L=Z\u00fcrich,ST=BW,street=Main 1,T=Dr,SURNAME=Doe,GIVENNAME=John,postalCode=123",
            "CN=a\\=b,O=x/y",
            "1.2.3.4=#0c03616263,CN=unknown-oid",
    })
    void subjectAndIssuerMatchOpenssl(String subject) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject(subject).ca(-1).build();
        HeldCertificate leaf = HeldCertificate.builder().subject(subject).signedBy(ca).build();
        String s = openssl(leaf, "-subject", "-nameopt", "RFC2253");
        String i = openssl(leaf, "-issuer", "-nameopt", "RFC2253");
        assertThat(CertificateNames.subject(leaf.certificate())).isEqualTo(s.substring("subject=".length()));
        assertThat(CertificateNames.issuer(leaf.certificate())).isEqualTo(i.substring("issuer=".length()));
    }

    static String openssl(HeldCertificate c, String... args) throws IOException, InterruptedException {
        Path pem = Files.createTempFile(dir, "cert", ".pem");
        Files.writeString(pem, c.certificatePem(), StandardCharsets.US_ASCII);
        String[] cmd = new String[5 + args.length];
        cmd[0] = "openssl";
        cmd[1] = "x509";
        cmd[2] = "-noout";
        cmd[3] = "-in";
        cmd[4] = pem.toString();
        System.arraycopy(args, 0, cmd, 5, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String s = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(s).isZero();
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
