package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.cert.X509CRL;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca crl}: signs and writes a new CRL of every revoked certificate. */
@Command(name = "crl", mixinStandardHelpOptions = true, sortOptions = false,
        header = "publish a CRL (crl.pem, crl.der) of the revoked certificates.",
        description = {"Publish a CRL of every certificate revoked so far: DIR/crl.pem and DIR/crl.der (the"
                + " same CRL), with a CRL number one higher than the last, the CA's authority key identifier"
                + " and nextUpdate --days from now. Publish again before nextUpdate, and after every revoke."
                + " A running gateway that names this CRL in a trust store picks up the new file within 2 s"
                + " (or on SIGHUP).",
                ""},
        footer = {"", "EXAMPLES",
                "  gatehouse ca crl",
                "  gatehouse ca crl --dir pki/issuing --days 1",
                "",
                "  # check a certificate against it",
                "  openssl verify -crl_check -CRLfile pki/crl.pem -CAfile pki/ca.pem \\",
                "      pki/issued/alice.pem"})
final class CaCrlCommand implements Callable<Integer> {
    @Mixin
    CaCommand.DirOption dir;

    @Option(names = "--days", paramLabel = "N", defaultValue = "" + CaCommand.DEFAULT_CRL_DAYS,
            description = "days until nextUpdate (default: ${DEFAULT-VALUE})")
    int days;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return CaCommand.execute(spec, this::crl);
    }

    private int crl() throws IOException, CaException {
        int d = CaCommand.days(days);
        CertificateAuthority ca = CertificateAuthority.open(dir.dir);
        X509CRL crl = ca.publishCrl(d);
        int revoked = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
        PrintWriter out = spec.commandLine().getOut();
        out.println("CRL published by " + CertificateNames.subject(ca.certificate()));
        out.println(CaCommand.field("number", CertificateAuthority.crlNumber(crl).map(Object::toString).orElse("-")));
        out.println(CaCommand.field("revoked", revoked + (revoked == 1 ? " certificate" : " certificates")));
        out.println(CaCommand.field("this update", instant(crl.getThisUpdate())));
        out.println(CaCommand.field("next update", instant(crl.getNextUpdate())));
        out.println(CaCommand.field("files", ca.directory().resolve(CertificateAuthority.CRL_PEM_FILE) + ", "
                + ca.directory().resolve(CertificateAuthority.CRL_DER_FILE)));
        out.println(CaCommand.CRL_PICKUP);
        return Main.EXIT_OK;
    }

    static String instant(java.util.Date d) {
        return DateTimeFormatter.ISO_INSTANT.format(d.toInstant().truncatedTo(ChronoUnit.SECONDS));
    }
}
