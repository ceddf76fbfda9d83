package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.ca.CaParameters;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.ca.IssuanceProfile;
import dev.gatehouse.ca.IssueRequest;
import dev.gatehouse.ca.SubjectAltName;
import dev.gatehouse.server.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's reference configuration is a configuration Gatehouse accepts: the yaml block after the
 * {@code reference-config} marker, written to a directory next to every certificate, key, CA bundle
 * and CRL it names (made at test time by the private CA), passes {@code gatehouse validate}, which
 * loads every file as {@code serve} would. A key the README documents in the wrong place, a group it
 * forwards to but never defines, or a file it names that this test does not make fails here. So does the
 * example of "Authorization by client identity", put in place of the reference listener's rules.
 */
class ReadmeReferenceConfigTest {
    private static final String MARKER = "<!-- reference-config";
    /** A path value in the YAML: a file name with one of the extensions Gatehouse reads or writes. */
    private static final Pattern FILE_VALUE = Pattern.compile("[A-Za-z0-9_./-]+\\.(?:pem|key|crl|log)\\b");

    @TempDir
    Path dir;

    @Test
    void referenceConfigurationValidates() throws Exception {
        String yaml = referenceYaml(readme());
        Set<String> made = makeFilesOfReference();
        // Every file the reference names is one this test made (log files are created by the gateway, in
        // a directory that must exist).
        Set<String> named = new TreeSet<>();
        Matcher m = FILE_VALUE.matcher(withoutComments(yaml));
        while (m.find()) {
            named.add(m.group());
        }
        named.removeIf(name -> name.endsWith(".log"));
        assertThat(named).as("files the README's reference configuration names").isEqualTo(made);

        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml, StandardCharsets.UTF_8);
        // What validate checks, first with the error as the failure message, then the command's exit code.
        GatewayConfig checked = ValidateCommand.check(config);
        assertThat(checked.listeners()).extracting(l -> l.name()).containsExactly("api", "l4");
        assertThat(checked.targetGroups()).containsOnlyKeys("app", "payments", "admin", "databases", "blue", "green",
                "orders-grpc");
        assertThat(checked.trustStores()).containsOnlyKeys("partners", "targets");
        assertThat(Main.run("validate", "--config", config.toString())).isEqualTo(Main.EXIT_OK);
    }

    /**
     * The example of "Authorization by client identity" (the yaml block starting {@code rules:}) in place of
     * the reference listener's rules and default action, with the one target group it adds.
     */
    @Test
    void authorizationExampleValidates() throws Exception {
        String readme = readme();
        String reference = referenceYaml(readme);
        int block = readme.indexOf("```yaml\nrules:\n");
        assertThat(block).as("the README's authorization example").isPositive();
        String example = readme.substring(block + "```yaml\n".length(), readme.indexOf("\n```", block) + 1);
        int rules = reference.indexOf("\n    rules:");
        int afterDefault = reference.indexOf('\n', reference.indexOf("\n    default_action:") + 1);
        assertThat(rules).isPositive();
        assertThat(afterDefault).isGreaterThan(rules);
        String yaml = reference.substring(0, rules + 1) + example.replaceAll("(?m)^", "    ").stripTrailing() + "\n"
                + reference.substring(afterDefault + 1)
                        .replace("target_groups:\n", "target_groups:\n  telemetry:\n    targets: [\"127.0.0.1:9301\"]\n");
        makeFilesOfReference();
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, yaml, StandardCharsets.UTF_8);

        GatewayConfig checked = ValidateCommand.check(config);
        assertThat(checked.listeners().get(0).rules()).hasSize(3);
        assertThat(Main.run("validate", "--config", config.toString())).isEqualTo(Main.EXIT_OK);
    }

    @Test
    void referenceUsesEveryClientCertificateFieldOfTheTable() throws Exception {
        String readme = readme();
        String yaml = referenceYaml(readme);
        // The rows of the table under "Authorization by client identity": | `subject`, `issuer` | ... |
        int table = readme.indexOf("| field | matches | patterns |");
        assertThat(table).as("the client_certificate field table in the README").isPositive();
        Set<String> fields = new LinkedHashSet<>();
        for (String line : readme.substring(table).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            Matcher names = Pattern.compile("`([a-z_0-9]+)`").matcher(line.split("\\|")[1]);
            while (names.find()) {
                fields.add(names.group(1));
            }
        }
        assertThat(fields).contains("subject", "fingerprint_sha256");
        for (String field : fields) {
            assertThat(yaml).as("the reference configuration uses client_certificate.%s", field)
                    .containsPattern("\\n\\s+" + field + ": \\[");
        }
    }

    /** The first yaml block after the marker comment. */
    static String referenceYaml(String readme) {
        int marker = readme.indexOf(MARKER);
        assertThat(marker).as("README marker %s", MARKER).isNotNegative();
        int start = readme.indexOf("```yaml\n", marker);
        assertThat(start).as("a yaml block after the marker").isPositive();
        start += "```yaml\n".length();
        int end = readme.indexOf("\n```", start);
        assertThat(end).as("the end of the yaml block").isPositive();
        return readme.substring(start, end + 1);
    }

    private static String withoutComments(String yaml) {
        return yaml.replaceAll("(?m)\\s#[^\\n]*$", "");
    }

    /** The project's README, found from the module directory the tests run in. */
    static String readme() throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path readme = d.resolve("README.md");
            if (Files.isRegularFile(readme) && Files.isRegularFile(d.resolve("mvnw"))) {
                return Files.readString(readme, StandardCharsets.UTF_8);
            }
        }
        throw new IOException("README.md of the project not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * The files of the reference: the partners CA (bundle and CRL) issuing the listener's server
     * certificate and Gatehouse's client certificate; a second CA as the target trust store.
     */
    private Set<String> makeFilesOfReference() throws Exception {
        CertificateAuthority partners = CertificateAuthority.initRoot(dir.resolve("pki/partners"),
                CaParameters.root().withCommonName("Partner CA 1"), false);
        CertificateAuthority targets = CertificateAuthority.initRoot(dir.resolve("pki/targets"),
                CaParameters.root().withCommonName("Target CA"), false);
        Path certs = dir.resolve("certs");
        Path trust = Files.createDirectories(dir.resolve("trust"));
        Files.createDirectories(dir.resolve("logs"));
        partners.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("api.example.com")
                .subjectAltName(SubjectAltName.dns("api.example.com")).build()).writeTo(certs, "api", false);
        partners.issue(IssueRequest.builder(IssuanceProfile.SERVER).commonName("partners.example.com")
                .subjectAltName(SubjectAltName.dns("partners.example.com")).build()).writeTo(certs, "partners", false);
        partners.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName("gatehouse-1").build())
                .writeTo(certs, "gatehouse-client", false);
        partners.publishCrl(7);
        Files.copy(partners.directory().resolve(CertificateAuthority.CERTIFICATE_FILE), trust.resolve("partners-ca.pem"));
        Files.copy(partners.directory().resolve(CertificateAuthority.CRL_PEM_FILE), trust.resolve("partners.crl"));
        Files.copy(targets.directory().resolve(CertificateAuthority.CERTIFICATE_FILE), trust.resolve("targets.pem"));
        byte[] ticketKey = new byte[48];
        new java.security.SecureRandom().nextBytes(ticketKey);
        Files.write(Files.createDirectories(dir.resolve("secrets")).resolve("tickets.key"), ticketKey);
        return new TreeSet<>(Set.of("certs/api.pem", "certs/api.key", "certs/gatehouse-client.pem",
                "certs/gatehouse-client.key", "certs/partners.pem", "certs/partners.key", "trust/partners-ca.pem",
                "trust/partners.crl", "trust/targets.pem", "secrets/tickets.key"));
    }
}
