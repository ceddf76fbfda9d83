package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.ca.IssuanceProfile;
import dev.gatehouse.ca.IssueRequest;
import dev.gatehouse.ca.IssuedCertificate;
import dev.gatehouse.ca.SubjectAltName;
import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca issue}: a client or server certificate and its new private key. */
@Command(name = "issue", mixinStandardHelpOptions = true, sortOptions = false,
        header = "issue a client or server certificate and its private key.",
        description = {"Issue a client or server certificate with a new key. Writes NAME.pem (the certificate,"
                + " then the intermediates up to but not including the root: what a TLS peer presents) and"
                + " NAME.key (PKCS#8, created with mode 0600) into --out (default: DIR/issued). An existing"
                + " file is an error unless --force.",
                "",
                "Profiles: both are CA:FALSE with key usage digitalSignature (+ keyEncipherment for RSA"
                + " keys) and subject and authority key identifiers. client: EKU clientAuth. server: EKU"
                + " serverAuth and at least one DNS or IP name; a --cn that is a host name or an IP"
                + " address is added as one.",
                ""},
        footer = {"", "EXAMPLES",
                "  # a client certificate for alice, pki/issued/alice.pem and alice.key",
                "  gatehouse ca issue --profile client --cn alice",
                "",
                "  # a SPIFFE workload identity, RSA, valid 30 days",
                "  gatehouse ca issue --profile client --cn billing \\",
                "      --san URI:spiffe://example.org/ns/prod/sa/billing \\",
                "      --key-type rsa-2048 --days 30",
                "",
                "  # a server certificate (the CN also becomes DNS:api.example.com)",
                "  gatehouse ca issue --dir pki/issuing --profile server \\",
                "      --cn api.example.com --san IP:10.0.0.7 --out certs --name api",
                "",
                "  # check it as a TLS client would",
                "  openssl verify -purpose sslserver -CAfile pki/root/ca.pem \\",
                "      -untrusted certs/api.pem certs/api.pem"})
final class CaIssueCommand implements Callable<Integer> {
    @Mixin
    CaCommand.DirOption dir;

    @Option(names = "--profile", required = true, paramLabel = "PROFILE", description = "client or server")
    String profile;

    @Option(names = "--cn", paramLabel = "NAME", description = "subject CN=NAME")
    String commonName;

    @Option(names = "--subject", paramLabel = "DN", description = "the whole subject, most specific first, e.g. \"CN=alice,O=Acme\"")
    String subject;

    @Option(names = "--san", paramLabel = "TYPE:VALUE",
            description = "a subject alternative name, repeatable: DNS:name, IP:address, URI:uri or email:address")
    List<String> sans = new ArrayList<>();

    @Option(names = "--days", paramLabel = "N", defaultValue = "365",
            description = "validity in days, never beyond the CA's (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec-p256",
            description = "ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096 (default: ${DEFAULT-VALUE})")
    String keyType;

    @Option(names = "--name", paramLabel = "NAME", description = "file name without extension (default: the CN)")
    String name;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write NAME.pem and NAME.key (default: DIR/issued)")
    Path out;

    @Option(names = "--force", description = "overwrite NAME.pem and NAME.key if they exist")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return CaCommand.execute(spec, this::issue);
    }

    private int issue() throws IOException, CaException {
        IssueRequest request = request();
        String fileName = name != null ? name : IssuedCertificate.fileNameFor(request.subject())
                .orElseThrow(() -> new CaCommand.UsageError("the subject has no CN to name the files after (expected: --name NAME)"));
        IssuedCertificate.checkFileName(fileName);
        CertificateAuthority ca = CertificateAuthority.open(dir.dir);
        Path outDir = out != null ? out : ca.issuedDirectory();
        // Refuse before issuing, so that a refused command leaves no certificate in the index.
        if (!force) {
            for (Path p : List.of(outDir.resolve(fileName + ".pem"), outDir.resolve(fileName + ".key"))) {
                if (Files.exists(p)) {
                    throw new FileAlreadyExistsException(p.toString());
                }
            }
        }
        IssuedCertificate issued = ca.issue(request);
        IssuedCertificate.WrittenFiles files = issued.writeTo(outDir, fileName, force);

        X509Certificate c = issued.certificate();
        PrintWriter o = spec.commandLine().getOut();
        o.println(request.profile() + " certificate issued by " + CertificateNames.subject(ca.certificate()));
        o.println(CaCommand.field("subject", CertificateNames.subject(c)));
        o.println(CaCommand.field("serial", CertificateNames.serialHex(c)));
        o.println(CaCommand.field("validity", CertificateNames.validity(c)));
        if (!request.subjectAltNames().isEmpty()) {
            o.println(CaCommand.field("names", request.subjectAltNames().stream().map(Object::toString)
                    .collect(Collectors.joining(", "))));
        }
        int n = issued.intermediates().size();
        o.println(CaCommand.field("certificate", files.certificate() + (n == 0 ? "" : " (with " + n
                + (n == 1 ? " intermediate)" : " intermediates)"))));
        o.println(CaCommand.field("private key", files.privateKey() + " (" + request.keySpec().cliName() + ", mode 0600)"));
        o.println(CaCommand.field("trust anchor", ca.isRoot()
                ? ca.directory().resolve(CertificateAuthority.CERTIFICATE_FILE)
                : "the root of " + ca.directory().resolve(CertificateAuthority.CHAIN_FILE)));
        return Main.EXIT_OK;
    }

    private IssueRequest request() {
        IssuanceProfile p;
        try {
            p = IssuanceProfile.fromCliName(profile);
        } catch (IllegalArgumentException e) {
            throw new CaCommand.UsageError("--profile '" + profile + "' (expected: client or server)");
        }
        if (commonName != null && subject != null) {
            throw new CaCommand.UsageError("--cn and --subject exclude each other");
        }
        if (commonName == null && subject == null) {
            throw new CaCommand.UsageError("a subject is required (expected: --cn NAME or --subject DN)");
        }
        IssueRequest.Builder b = IssueRequest.builder(p)
                .keySpec(CaCommand.keySpec(keyType))
                .days(CaCommand.days(days));
        if (commonName != null) {
            b.commonName(commonName);
        } else {
            b.subject(subject);
        }
        for (String s : sans) {
            try {
                b.subjectAltName(SubjectAltName.parse(s));
            } catch (IllegalArgumentException e) {
                throw new CaCommand.UsageError("--san " + e.getMessage());
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CaCommand.UsageError(e.getMessage());
        }
    }
}
