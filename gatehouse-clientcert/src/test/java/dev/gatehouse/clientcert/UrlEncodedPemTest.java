package dev.gatehouse.clientcert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load-balancer form ({@code X-Amzn-Mtls-Clientcert}) byte for byte, and why form decoding breaks it. */
class UrlEncodedPemTest {

    @Test
    void encoderOutputIsByteIdenticalToOpensslPemWithSpaceAndNewlineEscaped(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is installed by .ci/run");
        TestPki.Held root = TestPki.selfSigned("CN=Root CA,O=Gatehouse Test", TestPki.rsa(2048), true);
        TestPki.Held leaf = TestPki.issue(root, "CN=client.example.com", TestPki.rsa(2048), false);
        List<X509Certificate> chain = List.of(leaf.certificate, root.certificate);

        StringBuilder opensslPem = new StringBuilder();
        for (X509Certificate c : chain) {
            Path der = Files.write(dir.resolve("c.der"), c.getEncoded());
            Process p = new ProcessBuilder("openssl", "x509", "-inform", "DER", "-outform", "PEM", "-in", der.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            opensslPem.append(out);
        }
        String expected = opensslPem.toString().replace(" ", "%20").replace("\n", "%0A");

        String value = ForwardedClientCert.encodeUrlPem(List.of(leaf.certificate.getEncoded(), root.certificate.getEncoded()));

        assertThat(value.getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(expected.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain)).isEqualTo(value);
        assertDefinition(value, 2);
    }

    /** The definition of docs/mutual-tls.md ("Identity header values"), checked piece by piece. */
    private static void assertDefinition(String value, int certificates) {
        assertThat(value).startsWith("-----BEGIN%20CERTIFICATE-----%0A").endsWith("-----END%20CERTIFICATE-----%0A");
        assertThat(value).doesNotContain(" ", "\n", "%2B", "%2F", "%3D", "%2b", "%2f", "%3d");
        assertThat(value).matches("[A-Za-z0-9+/=%-]+");
        assertThat(value.replace("%20", "").replace("%0A", "")).doesNotContain("%");
        String[] lines = value.split("%0A", -1);
        assertThat(lines[lines.length - 1]).isEmpty(); // trailing %0A
        int begins = 0;
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            if (line.equals("-----BEGIN%20CERTIFICATE-----")) {
                begins++;
                continue;
            }
            if (line.equals("-----END%20CERTIFICATE-----")) {
                continue;
            }
            assertThat(line.length()).isBetween(1, 64);
            boolean lastOfBlock = lines[i + 1].equals("-----END%20CERTIFICATE-----");
            if (!lastOfBlock) {
                assertThat(line).hasSize(64);
            }
        }
        assertThat(begins).isEqualTo(certificates);
    }

    @Test
    void everyLengthModuloThreeAndSixtyFourMatchesTheReferenceEncoding() {
        // The fast path writes base64 itself; compare it with the JDK's MIME encoder for 1..400 bytes,
        // which covers 0, 1 and 2 padding characters and lines that end exactly at 64 characters.
        Random random = new Random(7);
        Base64.Encoder mime = Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (int n = 1; n <= 400; n++) {
            byte[] a = new byte[n];
            byte[] b = new byte[n + 17];
            random.nextBytes(a);
            random.nextBytes(b);
            String reference = block(mime.encodeToString(a)) + block(mime.encodeToString(b));
            assertThat(ForwardedClientCert.encodeUrlPem(List.of(a, b))).as("length %d", n).isEqualTo(reference);
        }
    }

    private static String block(String base64Lines) {
        return ("-----BEGIN CERTIFICATE-----\n" + base64Lines + "\n-----END CERTIFICATE-----\n")
                .replace(" ", "%20").replace("\n", "%0A");
    }

    @Test
    void urlDecoderCorruptsTheValueWhileForwardedClientCertDecodesItExactly() throws Exception {
        List<X509Certificate> chain = ForwardedClientCert.decode(Format.PEM, Rfc9440Example.CHAIN_PEM).chain();
        String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain);
        assertThat(value).contains("+");

        // What many backends do: form decoding turns every '+' of the base64 into a space.
        String formDecoded = URLDecoder.decode(value, StandardCharsets.UTF_8);
        assertThat(formDecoded).isNotEqualTo(Rfc9440Example.CHAIN_PEM);
        assertThat(formDecoded).doesNotContain("+");
        assertThat(formDecoded.replace(" CERTIFICATE", "_CERTIFICATE")).contains(" ");
        assertThatThrownBy(() -> CertificateFactory.getInstance("X.509").generateCertificates(
                new ByteArrayInputStream(formDecoded.getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(CertificateException.class);

        // Gatehouse's decoder: exact certificates from the value, and a clear refusal of the corrupted text.
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        List<byte[]> ders = new ArrayList<>();
        for (X509Certificate c : decoded.chain()) {
            ders.add(c.getEncoded());
        }
        assertThat(ders).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(ders.get(i)).isEqualTo(chain.get(i).getEncoded());
        }
        assertThatThrownBy(() -> ForwardedClientCert.decode(formDecoded))
                .isInstanceOf(ForwardedClientCertException.class)
                .hasMessageContaining("form-decoded, turning '+' into a space");
    }

    @Test
    void decoderAcceptsLowerCaseAndExtraEscapes() {
        String value = Rfc9440Example.CHAIN_PEM.replace(" ", "%20").replace("\n", "%0a").replace("=", "%3d");
        assertThat(ForwardedClientCert.decode(Format.URL_ENCODED_PEM, value).chain())
                .containsExactlyElementsOf(ForwardedClientCert.decode(Rfc9440Example.CHAIN_PEM).chain());
    }

    @Test
    void fastPathRejectsWhatIsNotAChain() {
        assertThatThrownBy(() -> ForwardedClientCert.encodeUrlPem(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: at least one");
        assertThatThrownBy(() -> ForwardedClientCert.encodeUrlPem(List.of(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("derCertificates[0]: empty");
    }
}
