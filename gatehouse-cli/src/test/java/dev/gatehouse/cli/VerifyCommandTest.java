package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.CertificateNames;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.pki.testing.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
    @TempDir
    Path dir;

    HeldCertificate root;
    HeldCertificate intermediate;
    Path bundle;

    @BeforeEach
    void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Partner Root").ca(1).build();
        intermediate = HeldCertificate.builder().commonName("Partner Issuing CA").ca(0).signedBy(root).build();
        bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, root.certificatePem());
    }

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void goodClientCertificate() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("client-1").clientAuth().signedBy(intermediate).build();
        Path pem = leaf.writeTo(dir, "client", intermediate);
        Run r = run("verify", "--trust-store", bundle.toString(), pem.toString());
        assertThat(r.exit).as(r.out + r.err).isEqualTo(0);
        assertThat(r.out).contains("parse", "chain building", "signatures", "validity", "purpose/key usage",
                "name constraints", "revocation", "hostname");
        assertThat(r.out).containsPattern("(?m)^signatures\\s+pass");
        assertThat(r.out).contains("CN=client-1 (serial " + CertificateNames.serialHex(leaf.certificate()) + ")");
        assertThat(r.out).endsWith("status: Success" + System.lineSeparator());
    }

    @Test
    void serverOnlyCertificateFailsThePurposeStep() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("www").serverAuth().signedBy(intermediate).build();
        Path pem = leaf.writeTo(dir, "server", intermediate);
        Run r = run("verify", "--trust-store", bundle.toString(), pem.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out).containsPattern("(?m)^purpose/key usage\\s+fail\\s+.*serverAuth.*does not allow clientAuth");
        assertThat(r.out).contains("status: ClientCertPurposeInvalid");
        // The same certificate is fine as a server certificate.
        Run server = run("verify", "--trust-store", bundle.toString(), "--purpose", "server", pem.toString());
        assertThat(server.exit).as(server.out).isEqualTo(0);
    }

    @Test
    void expiredCertificateAndIgnoreExpiry() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("old").expired().signedBy(intermediate).build();
        Path pem = leaf.writeTo(dir, "old", intermediate);
        Run r = run("verify", "--trust-store", bundle.toString(), pem.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out).containsPattern("(?m)^validity\\s+fail\\s+leaf CN=old .*expired at");
        assertThat(r.out).contains("status: ClientCertExpired");
        assertThat(run("verify", "--trust-store", bundle.toString(), "--ignore-expiry", pem.toString()).exit).isEqualTo(0);
    }

    @Test
    void unknownCa() throws Exception {
        HeldCertificate otherRoot = HeldCertificate.builder().commonName("Other Root").ca(0).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("stranger").signedBy(otherRoot).build();
        Path pem = leaf.writeTo(dir, "stranger");
        Run r = run("verify", "--trust-store", bundle.toString(), pem.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out).containsPattern("(?m)^chain building\\s+fail\\s+no path .*issuer CN=Other Root");
        assertThat(r.out).contains("status: ClientCertUntrusted");
    }

    @Test
    void intermediatesFromAnotherFile() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("client-2").signedBy(intermediate).build();
        Path pem = leaf.writeTo(dir, "client2");
        Path inter = intermediate.writeTo(dir, "inter");
        assertThat(run("verify", "--trust-store", bundle.toString(), pem.toString()).exit).isEqualTo(1);
        assertThat(run("verify", "--trust-store", bundle.toString(), "--intermediates", inter.toString(), pem.toString()).exit)
                .isEqualTo(0);
    }

    @Test
    void revokedByCrl() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("revoked").signedBy(root).build();
        Path pem = leaf.writeTo(dir, "revoked");
        Path crl = dir.resolve("root.crl");
        Files.writeString(crl, HeldCertificate.crlPem(HeldCertificate.crl(root, java.time.Duration.ofDays(1),
                leaf.certificate().getSerialNumber())));
        Run r = run("verify", "--trust-store", bundle.toString(), "--crl", crl.toString(), pem.toString());
        assertThat(r.exit).isEqualTo(1);
        assertThat(r.out).contains("status: ClientCertCrlHit");
    }

    @Test
    void jsonOutputParses() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().subject("CN=json \\\"quoted\\\"").clientAuth().signedBy(intermediate).build();
        Path pem = leaf.writeTo(dir, "json", intermediate);
        Run r = run("verify", "--trust-store", bundle.toString(), "--format", "json", pem.toString());
        assertThat(r.exit).isEqualTo(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(r.out);
        assertThat(json.get("status")).isEqualTo("Success");
        assertThat((String) json.get("explanation")).contains("CN=json \\\"quoted\\\"");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) json.get("steps");
        assertThat(steps).extracting(s -> s.get("name")).contains("parse", "chain building", "signatures", "validity",
                "purpose/key usage", "name constraints", "revocation", "hostname");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> path = (List<Map<String, Object>>) json.get("path");
        assertThat(path).hasSize(3);
        assertThat(path.get(0).get("serial")).isEqualTo(CertificateNames.serialHex(leaf.certificate()));
        assertThat(path.get(2).get("subject")).isEqualTo("CN=Partner Root");

        Run failed = run("verify", "--trust-store", bundle.toString(), "--format", "json", "--at", "2001-01-01T00:00:00Z",
                pem.toString());
        assertThat(failed.exit).isEqualTo(1);
        assertThat(((Map<?, ?>) Json.parse(failed.out)).get("status")).isEqualTo("ClientCertNotYetValid");
    }

    /**
     * A config whose verify-mode listener ignores expiry and whose trust store holds the root's CRL; a
     * second listener only passes certificates through.
     */
    Path listenerConfig(HeldCertificate revoked) throws Exception {
        Path crl = dir.resolve("root.crl");
        Files.writeString(crl, HeldCertificate.crlPem(HeldCertificate.crl(root, java.time.Duration.ofDays(1),
                revoked.certificate().getSerialNumber())));
        HeldCertificate.builder().commonName("api.example.com").addSanDns("api.example.com").serverAuth()
                .signedBy(root).build().writeTo(dir, "api", root);
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: api
                    address: 127.0.0.1:8443
                    tls:
                      certificates: [{ certificate: api.pem, private_key: api.key }]
                    mutual_authentication: { mode: verify, trust_store: partners, ignore_client_certificate_expiry: true }
                    default_action: { forward: app }
                  - name: open
                    address: 127.0.0.1:8444
                    tls:
                      certificates: [{ certificate: api.pem, private_key: api.key }]
                    mutual_authentication: { mode: passthrough }
                    default_action: { forward: app }
                trust_stores:
                  partners: { ca_certificates: bundle.pem, revocation_lists: [root.crl] }
                target_groups:
                  app: { targets: ["127.0.0.1:9001"] }
                """);
        return config;
    }

    @Test
    void listenerDecidesWithItsTrustStoreCrlsAndExpirySetting() throws Exception {
        HeldCertificate expired = HeldCertificate.builder().commonName("old").clientAuth().expired().signedBy(root).build();
        HeldCertificate revoked = HeldCertificate.builder().commonName("revoked").clientAuth().signedBy(root).build();
        Path config = listenerConfig(revoked);
        Path expiredPem = expired.writeTo(dir, "old");
        Path revokedPem = revoked.writeTo(dir, "revoked");

        Run asListener = run("verify", "--config", config.toString(), "--listener", "api", expiredPem.toString());
        assertThat(asListener.exit).as(asListener.out + asListener.err).isEqualTo(0);
        assertThat(asListener.out).containsPattern("(?m)^revocation\\s+pass\\s+not revoked: CN=old")
                .endsWith("status: Success" + System.lineSeparator());
        Run plain = run("verify", "--trust-store", bundle.toString(), expiredPem.toString());
        assertThat(plain.exit).isEqualTo(1);
        assertThat(plain.out).contains("status: ClientCertExpired");

        Run hit = run("verify", "--config", config.toString(), "--listener", "api", revokedPem.toString());
        assertThat(hit.exit).isEqualTo(1);
        assertThat(hit.out).containsPattern("(?m)^revocation\\s+fail\\s+leaf CN=revoked .*revoked by the CRL of CN=Partner Root")
                .contains("status: ClientCertCrlHit");
    }

    @Test
    void listenerErrorsNameTheListenersAndTheMode() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("c").clientAuth().signedBy(root).build();
        Path config = listenerConfig(leaf);
        Path pem = leaf.writeTo(dir, "c");

        Run unknown = run("verify", "--config", config.toString(), "--listener", "nope", pem.toString());
        assertThat(unknown.exit).isEqualTo(2);
        assertThat(unknown.err).contains("--listener nope: no such listener in " + config + " (listeners: api, open)");
        assertThat(unknown.out).isEmpty();

        Run passthrough = run("verify", "--config", config.toString(), "--listener", "open", pem.toString());
        assertThat(passthrough.exit).isEqualTo(2);
        assertThat(passthrough.err).contains("--listener open: its mutual_authentication mode is passthrough, not verify");

        Run mixed = run("verify", "--config", config.toString(), "--listener", "api", "--trust-store", bundle.toString(),
                "--ignore-expiry", pem.toString());
        assertThat(mixed.exit).isEqualTo(2);
        assertThat(mixed.err).contains("--trust-store, --ignore-expiry: not with --listener");

        Run neither = run("verify", pem.toString());
        assertThat(neither.exit).isEqualTo(2);
        assertThat(neither.err).isEqualTo("gatehouse verify: give --trust-store BUNDLE.pem, or --config FILE with --listener NAME"
                + System.lineSeparator() + "Try 'gatehouse verify --help' for more information." + System.lineSeparator());

        Run alone = run("verify", "--listener", "api", pem.toString());
        assertThat(alone.exit).isEqualTo(2);
        assertThat(alone.err).contains("--config and --listener go together");
    }

    @Test
    void revocationWithoutACrlIsNotCheckedInTextAndJson() throws Exception {
        HeldCertificate leaf = HeldCertificate.builder().commonName("client-3").clientAuth().signedBy(root).build();
        Path pem = leaf.writeTo(dir, "client3");
        Run text = run("verify", "--trust-store", bundle.toString(), pem.toString());
        assertThat(text.exit).isEqualTo(0);
        assertThat(text.out).containsPattern(
                "(?m)^revocation\\s+not checked\\s+leaf CN=client-3 \\(no CRL of its issuer CN=Partner Root in the trust store\\)$");
        assertThat(text.out).doesNotContainPattern("(?m)^revocation\\s+pass");

        Run json = run("verify", "--trust-store", bundle.toString(), "--format", "json", pem.toString());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(json.out)).get("steps");
        Map<String, Object> revocation = steps.stream().filter(s -> s.get("name").equals("revocation")).findFirst().orElseThrow();
        assertThat(revocation.get("result")).isEqualTo("not checked");
        assertThat((String) revocation.get("detail")).contains("no CRL of its issuer CN=Partner Root");
    }

    @Test
    void inputErrorsExitTwoAndNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.pem");
        Run r = run("verify", "--trust-store", bundle.toString(), missing.toString());
        assertThat(r.exit).isEqualTo(2);
        assertThat(r.err).contains(missing.toString()).contains("no such file");

        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        Run g = run("verify", "--trust-store", bundle.toString(), garbage.toString());
        assertThat(g.exit).isEqualTo(2);
        assertThat(g.err).contains(garbage.toString());

        Run badBundle = run("verify", "--trust-store", garbage.toString(), bundle.toString());
        assertThat(badBundle.exit).isEqualTo(2);
        assertThat(badBundle.err).contains(garbage.toString());

        assertThat(run("verify", "--trust-store", bundle.toString(), "--at", "yesterday", bundle.toString()).exit).isEqualTo(2);
        assertThat(run("verify", bundle.toString()).exit).isEqualTo(2);
    }
}
