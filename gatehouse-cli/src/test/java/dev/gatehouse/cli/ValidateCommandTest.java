package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse validate}, run in-process through {@link Main#run}. */
class ValidateCommandTest {
    static final String GOOD = """
            listeners:
              - name: api
                address: 127.0.0.1:8443
                tls:
                  certificates:
                    - certificate: certs/api.pem
                      private_key: certs/api.key
                mutual_authentication: { mode: verify, trust_store: partners }
                default_action: { forward: app }
            trust_stores:
              partners: { ca_certificates: certs/ca.pem }
            target_groups:
              app:
                targets: ["127.0.0.1:9001"]
            """;

    @TempDir
    Path dir;
    Path file;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("gatehouse.yaml");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        // Real certificates, so the good config also passes once validate loads them as serve does.
        HeldCertificate ca = HeldCertificate.builder().commonName("Partner CA").ca(1).build();
        ca.writeTo(certs, "ca");
        HeldCertificate.builder().commonName("api.example.com").addSanDns("api.example.com").serverAuth()
                .signedBy(ca).build().writeTo(certs, "api", ca);
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private int validate(String yaml) throws IOException {
        Files.writeString(file, yaml);
        return Main.run("validate", "--config", file.toString());
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void goodConfigIsOk() throws Exception {
        assertThat(validate(GOOD)).isEqualTo(Main.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo(file + ": OK (1 listeners, 1 target groups, 1 trust stores)" + System.lineSeparator());
        assertThat(stderr()).isEmpty();
    }

    @Test
    void syntaxError() throws Exception {
        assertThat(validate(GOOD.replace("address: 127.0.0.1:8443", "address: 127.0.0.1:8443: x"))).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("gatehouse: " + file + ":3: <yaml>: YAML syntax error: mapping values are not"
                + " allowed here (expected: valid YAML; check indentation and quoting)" + System.lineSeparator());
    }

    @Test
    void unknownKey() throws Exception {
        assertThat(validate(GOOD.replace("    tls:", "    tsl:"))).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("gatehouse: " + file + ":4: listeners[0].tsl: unknown key (expected: one of name,"
                + " address, protocol, proxy_protocol, tls, mutual_authentication, rules, default_action, timeouts, http2,"
                + " server_names)" + System.lineSeparator());
    }

    @Test
    void everyIndependentProblemIsReportedInFileOrder() throws Exception {
        String yaml = GOOD.replace("    tls:", "    tsl:")
                .replace("targets: [\"127.0.0.1:9001\"]", "targets: 127.0.0.1:9001")
                + "shutdown_timeout: soon\n";
        assertThat(validate(yaml)).isEqualTo(Main.EXIT_USAGE);
        String[] lines = stderr().split(System.lineSeparator());
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("gatehouse: " + file + ":4: listeners[0].tsl: unknown key");
        assertThat(lines[1]).startsWith("gatehouse: " + file + ":14: target_groups.app.targets: wrong type");
        assertThat(lines[2]).startsWith("gatehouse: " + file + ":" + yaml.split("\n").length + ": shutdown_timeout: ");
    }

    @Test
    void wrongType() throws Exception {
        assertThat(validate(GOOD.replace("targets: [\"127.0.0.1:9001\"]", "targets: 127.0.0.1:9001"))).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("gatehouse: " + file + ":14: target_groups.app.targets: wrong type: '127.0.0.1:9001'"
                + " (expected: a list of host:port)" + System.lineSeparator());
    }

    @Test
    void missingCertificateFile() throws Exception {
        Files.delete(dir.resolve("certs/api.pem"));
        assertThat(validate(GOOD)).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("gatehouse: " + file + ":6: listeners[0].tls.certificates[0].certificate: file not found: "
                + dir.resolve("certs/api.pem") + " (expected: a readable file; relative paths are resolved against "
                + dir + ")" + System.lineSeparator());
    }

    @Test
    void unknownTargetGroup() throws Exception {
        assertThat(validate(GOOD.replace("{ forward: app }", "{ forward: [{target_group: api, weight: 1}] }")))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).isEqualTo("gatehouse: " + file + ":9: listeners[0].default_action.forward[0].target_group:"
                + " unknown target group 'api' (expected: one of app (defined under target_groups))" + System.lineSeparator());
    }

    @Test
    void missingConfigOptionIsAUsageError() {
        assertThat(Main.run("validate")).isEqualTo(Main.EXIT_USAGE);
        assertThat(stderr()).contains("Missing required option: '--config=FILE'");
    }
}
