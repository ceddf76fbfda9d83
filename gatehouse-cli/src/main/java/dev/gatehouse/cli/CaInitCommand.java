package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CaParameters;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca init}: makes a root CA, or an intermediate signed by another CA directory. */
@Command(name = "init", mixinStandardHelpOptions = true, sortOptions = false,
        header = "make a root CA, or an intermediate signed by another CA directory.",
        description = {"Make a CA in a directory: a root (self-signed), or with --intermediate --parent DIR an"
                + " intermediate signed by the CA in DIR (CA:TRUE, pathlen:0: it issues leaf certificates"
                + " only, and is recorded in DIR's index). Writes ca.pem, ca.key (mode 0600), chain.pem"
                + " (this CA up to the root), an empty index and an empty CRL (crl.pem, crl.der; nextUpdate"
                + " in 7 days), so that a trust store can name the CRL from the start.",
                ""},
        footer = {"", "EXAMPLES",
                "  # a root CA in ./pki, EC P-256, valid 10 years",
                "  gatehouse ca init",
                "",
                "  # a named RSA root valid 20 years",
                "  gatehouse ca init --dir pki/root --subject \"CN=Acme Root CA,O=Acme\" \\",
                "      --key-type rsa-4096 --days 7300",
                "",
                "  # an intermediate signed by it; its certificates chain to pki/root/ca.pem",
                "  gatehouse ca init --dir pki/issuing --intermediate --parent pki/root \\",
                "      --cn \"Acme Issuing CA\"",
                "",
                "  # replace the CA in pki (new key, empty index): needs --force",
                "  gatehouse ca init --force"})
final class CaInitCommand implements Callable<Integer> {
    @Mixin
    CaCommand.DirOption dir;

    @Option(names = "--cn", paramLabel = "NAME",
            description = "subject CN=NAME (default: Gatehouse Root CA, or Gatehouse Intermediate CA)")
    String commonName;

    @Option(names = "--subject", paramLabel = "DN",
            description = "the whole subject, most specific first, e.g. \"CN=Acme Root CA,O=Acme,C=DE\"")
    String subject;

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec-p256",
            description = "ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096 (default: ${DEFAULT-VALUE})")
    String keyType;

    @Option(names = "--days", paramLabel = "N",
            description = "validity in days (default: 3650 for a root, 1825 for an intermediate)")
    Integer days;

    @Option(names = "--intermediate", description = "make an intermediate CA signed by --parent")
    boolean intermediate;

    @Option(names = "--parent", paramLabel = "DIR", description = "the directory of the CA that signs the intermediate")
    Path parent;

    @Option(names = "--force", description = "replace a CA already in the directory (new key, empty index)")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return CaCommand.execute(spec, this::init);
    }

    private int init() throws IOException, CaException {
        if (intermediate && parent == null) {
            throw new CaCommand.UsageError("--intermediate needs --parent DIR (the CA that signs it)");
        }
        if (!intermediate && parent != null) {
            throw new CaCommand.UsageError("--parent needs --intermediate");
        }
        if (commonName != null && subject != null) {
            throw new CaCommand.UsageError("--cn and --subject exclude each other");
        }
        CaParameters p = intermediate ? CaParameters.intermediate() : CaParameters.root();
        p = p.withKeySpec(CaCommand.keySpec(keyType));
        if (commonName != null) {
            p = p.withCommonName(commonName);
        } else if (subject != null) {
            p = p.withSubject(subject);
        }
        if (days != null) {
            p = p.withDays(CaCommand.days(days));
        }
        CertificateAuthority ca;
        try {
            if (intermediate) {
                CertificateAuthority parentCa = CertificateAuthority.open(parent);
                ca = CertificateAuthority.initIntermediate(dir.dir, parentCa, p, force);
            } else {
                ca = CertificateAuthority.initRoot(dir.dir, p, force);
            }
        } catch (FileAlreadyExistsException e) {
            throw new CaCommand.UsageError(dir.dir + " already holds a CA (" + e.getFile() + "); use --force to"
                    + " replace it with a new key and an empty index");
        }

        // An empty CRL from the start, so a trust store can name it before anything is revoked.
        X509CRL crl = ca.publishCrl(CaCommand.DEFAULT_CRL_DAYS);
        PrintWriter out = spec.commandLine().getOut();
        out.println((intermediate ? "intermediate" : "root") + " CA created in " + dir.dir);
        out.println(CaCommand.field("subject", CertificateNames.subject(ca.certificate())));
        if (intermediate) {
            out.println(CaCommand.field("issuer", CertificateNames.issuer(ca.certificate())));
        }
        out.println(CaCommand.field("serial", CertificateNames.serialHex(ca.certificate())));
        out.println(CaCommand.field("validity", CertificateNames.validity(ca.certificate())));
        out.println(CaCommand.field("key", p.keySpec().cliName() + ", " + ca.directory().resolve(CertificateAuthority.KEY_FILE)
                + " (mode 0600)"));
        out.println(CaCommand.field("certificate", ca.directory().resolve(CertificateAuthority.CERTIFICATE_FILE)));
        out.println(CaCommand.field("chain", ca.directory().resolve(CertificateAuthority.CHAIN_FILE)));
        out.println(CaCommand.field("crl", ca.directory().resolve(CertificateAuthority.CRL_PEM_FILE) + " (empty; next update "
                + CaCrlCommand.instant(crl.getNextUpdate()) + ": publish again with 'gatehouse ca crl')"));
        return Main.EXIT_OK;
    }
}
