package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.pki.testing.Tools;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    @TempDir
    Path dir;

    static String traditional(java.security.KeyPair kp) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(kp); // RSA PRIVATE KEY (PKCS#1) or EC PRIVATE KEY (SEC1)
        }
        return w.toString();
    }

    @Test
    void readsPkcs8Pkcs1AndSec1Keys() throws Exception {
        HeldCertificate ec = HeldCertificate.builder().build();
        HeldCertificate rsa = HeldCertificate.builder().rsa(2048).build();
        HeldCertificate p384 = HeldCertificate.builder().ec("secp384r1").build();

        Files.writeString(dir.resolve("pkcs8.key"), ec.privateKeyPem());
        Files.writeString(dir.resolve("pkcs1.key"), traditional(rsa.keyPair()));
        Files.writeString(dir.resolve("p384.pkcs8"), p384.privateKeyPem());
        Tools.assumeInstalled("openssl");
        Process p = new ProcessBuilder("openssl", "ec", "-in", dir.resolve("p384.pkcs8").toString(), "-out",
                dir.resolve("sec1.key").toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        assertThat(Files.readString(dir.resolve("pkcs1.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("sec1.key"))).startsWith("-----BEGIN EC PRIVATE KEY-----");

        PrivateKey k8 = Pem.readPrivateKey(dir.resolve("pkcs8.key"));
        PrivateKey k1 = Pem.readPrivateKey(dir.resolve("pkcs1.key"));
        PrivateKey kec = Pem.readPrivateKey(dir.resolve("sec1.key"));
        assertThat(Pem.keyMatches(k8, ec.certificate())).isTrue();
        assertThat(Pem.keyMatches(k1, rsa.certificate())).isTrue();
        assertThat(Pem.keyMatches(kec, p384.certificate())).isTrue();
        assertThat(Pem.keyMatches(k8, p384.certificate())).isFalse();
        assertThat(Pem.keyMatches(k1, ec.certificate())).isFalse();
    }

    @Test
    void damagedBase64IsNamedByLineAndCharacterNotByTheDecodersWords() throws Exception {
        String pem = HeldCertificate.builder().build().certificatePem();
        String[] lines = pem.split("\n");
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> Pem.readCertificates(empty))
                .hasMessageStartingWith(empty + ": line 2: empty base64 text of the CERTIFICATE block (expected:")
                .message().doesNotContain("Empty input");

        Path stray = dir.resolve("stray.pem");
        lines[3] = lines[3].substring(0, 10) + "*" + lines[3].substring(11);
        Files.writeString(stray, String.join("\n", lines) + "\n");
        assertThatThrownBy(() -> Pem.readCertificates(stray))
                .hasMessageStartingWith(stray + ": line 4: invalid base64 character '*' in the CERTIFICATE block (expected:");

        // A ':' in the middle of the base64 is damage, not an RFC 1421 header line.
        Path colon = dir.resolve("colon.pem");
        lines[3] = lines[3].substring(0, 10) + ":" + lines[3].substring(11);
        Files.writeString(colon, String.join("\n", lines) + "\n");
        assertThatThrownBy(() -> Pem.readCertificates(colon))
                .hasMessageStartingWith(colon + ": line 4: invalid base64 character ':' in the CERTIFICATE block (expected:");
    }

    @Test
    void keyErrorsNameTheFileAndWhatWasFound() throws Exception {
        // BouncyCastle writes a SEC1 key from a JDK key without its curve parameters.
        Path noCurve = dir.resolve("nocurve.key");
        Files.writeString(noCurve, traditional(HeldCertificate.builder().build().keyPair()));
        assertThatThrownBy(() -> Pem.readPrivateKey(noCurve)).hasMessageContaining(noCurve.toString())
                .hasMessageContaining("without a named curve");
        Path enc = dir.resolve("enc.key");
        Files.writeString(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Pem.readPrivateKey(enc)).isInstanceOf(PkiException.class)
                .hasMessageContaining(enc.toString()).hasMessageContaining("encrypted keys are not supported");
        Path legacy = dir.resolve("legacy.key");
        Files.writeString(legacy, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Pem.readPrivateKey(legacy)).hasMessageContaining("encrypted keys are not supported");
        Path cert = dir.resolve("cert.pem");
        Files.writeString(cert, HeldCertificate.builder().build().certificatePem());
        assertThatThrownBy(() -> Pem.readPrivateKey(cert)).hasMessageContaining(cert.toString())
                .hasMessageContaining("found CERTIFICATE");
        assertThatThrownBy(() -> Pem.readPrivateKey(dir.resolve("none.key"))).hasMessageContaining("no such file");
    }

    @Test
    void certificateErrorsNamePositionAndLine() throws Exception {
        HeldCertificate good = HeldCertificate.builder().build();
        String text = good.certificatePem() + "\n-----BEGIN CERTIFICATE-----\nMIIBAAo=\n-----END CERTIFICATE-----\n";
        assertThatThrownBy(() -> Pem.parseCertificates(text, "bundle.pem")).isInstanceOf(PkiException.class)
                .hasMessageContaining("bundle.pem: certificate #2 (line " + (good.certificatePem().split("\n").length + 2) + ")");
        assertThatThrownBy(() -> Pem.parseCertificates("hello", "empty.pem")).hasMessageContaining("empty.pem: no certificate found");
    }

    @Test
    void canonicalEncodingRoundTrips() throws Exception {
        HeldCertificate a = HeldCertificate.builder().build();
        HeldCertificate b = HeldCertificate.builder().rsa(2048).build();
        String pem = Pem.encode(List.of(a.certificate(), b.certificate()));
        assertThat(pem).isEqualTo(a.certificatePem() + b.certificatePem());
        for (String line : pem.split("\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(64);
        }
        assertThat(pem).doesNotContain("\r").endsWith("-----END CERTIFICATE-----\n");
        List<X509Certificate> back = Pem.parseCertificates(pem.replace("\n", "\r\n"), "crlf.pem");
        assertThat(back).containsExactly(a.certificate(), b.certificate());
    }

    @Test
    void crlsInPemOrDer() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().ca(0).build();
        var crl = HeldCertificate.crl(ca, java.time.Duration.ofDays(1), BigInteger.TWO);
        Files.writeString(dir.resolve("a.crl"), HeldCertificate.crlPem(crl));
        Files.write(dir.resolve("b.crl"), crl.getEncoded());
        assertThat(Pem.readCrls(dir.resolve("a.crl"))).containsExactly(crl);
        assertThat(Pem.readCrls(dir.resolve("b.crl"))).containsExactly(crl);
    }

    @Test
    void formatterBasics() {
        assertThat(CertificateNames.serialHex(BigInteger.valueOf(0x0A))).isEqualTo("0A");
        assertThat(CertificateNames.serialHex(BigInteger.valueOf(0x0A1B))).isEqualTo("0A1B");
        assertThat(CertificateNames.serialHex(BigInteger.ZERO)).isEqualTo("00");
        assertThat(CertificateNames.parseSerial("0a:1b")).isEqualTo(BigInteger.valueOf(0x0A1B));
        HeldCertificate c = HeldCertificate.builder().validity(java.time.Instant.parse("2023-09-21T01:50:17Z"),
                java.time.Instant.parse("2024-09-20T01:50:17Z")).build();
        assertThat(CertificateNames.validity(c.certificate())).isEqualTo("NotBefore=2023-09-21T01:50:17Z;NotAfter=2024-09-20T01:50:17Z");
        assertThat(CertificateNames.fingerprintSha256(c.certificate())).matches("[0-9a-f]{64}");
        ClientIdentity id = ClientIdentity.of(List.of(c.certificate()), true);
        assertThat(id.serialNumber()).isEqualTo(CertificateNames.serialHex(c.certificate()));
        assertThat(id.validity()).isEqualTo("NotBefore=2023-09-21T01:50:17Z;NotAfter=2024-09-20T01:50:17Z");
    }
}
