package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.ca.IndexEntry;
import dev.gatehouse.ca.RevocationReason;
import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca revoke}: marks an issued certificate revoked in the index. */
@Command(name = "revoke", mixinStandardHelpOptions = true, sortOptions = false,
        header = "mark an issued certificate revoked (publish with 'ca crl').",
        description = {"Mark a certificate this CA issued as revoked. It appears on the next CRL: run"
                + " 'gatehouse ca crl' afterwards to publish it.", ""},
        footer = {"", "EXAMPLES",
                "  # the serial as 'gatehouse ca list' and 'openssl x509 -noout -serial' print it",
                "  gatehouse ca revoke --serial 5E0C9F3A7B1D42E8A6C3F0B19D7E2A44 \\",
                "      --reason keyCompromise",
                "  gatehouse ca crl",
                "",
                "  # ':' separators and lower case, as 'openssl x509 -text' prints it",
                "  gatehouse ca revoke --dir pki/issuing \\",
                "      --serial 5e:0c:9f:3a:7b:1d:42:e8:a6:c3:f0:b1:9d:7e:2a:44",
                "",
                "  # an intermediate CA is revoked in its parent's directory",
                "  gatehouse ca revoke --dir pki/root --serial 1F0B... --reason caCompromise",
                "  gatehouse ca crl --dir pki/root"})
final class CaRevokeCommand implements Callable<Integer> {
    @Mixin
    CaCommand.DirOption dir;

    @Option(names = "--serial", required = true, paramLabel = "S", description = "the serial number, hexadecimal")
    String serial;

    @Option(names = "--reason", paramLabel = "R", defaultValue = "unspecified",
            description = "unspecified, keyCompromise, caCompromise, affiliationChanged, superseded,"
                    + " cessationOfOperation or certificateHold (default: ${DEFAULT-VALUE})")
    String reason;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return CaCommand.execute(spec, this::revoke);
    }

    private int revoke() throws IOException, CaException {
        BigInteger s;
        try {
            s = CertificateNames.parseSerial(serial);
        } catch (IllegalArgumentException e) {
            throw new CaCommand.UsageError("--serial '" + serial + "' (expected: hexadecimal as 'gatehouse ca list'"
                    + " prints it; ':' separators allowed)");
        }
        RevocationReason r;
        try {
            r = RevocationReason.fromRfcName(reason);
        } catch (IllegalArgumentException e) {
            throw new CaCommand.UsageError("--reason '" + reason + "' (expected: " + RevocationReason.names() + ")");
        }
        CertificateAuthority ca = CertificateAuthority.open(dir.dir);
        IndexEntry e = ca.revoke(s, r);
        PrintWriter out = spec.commandLine().getOut();
        out.println("revoked " + CertificateNames.serialHex(e.serial()) + " " + CertificateNames.distinguishedName(e.subject())
                + " (" + r.rfcName() + ")");
        out.println("publish it: gatehouse ca crl --dir " + dir.dir);
        out.println("then " + CaCommand.CRL_PICKUP);
        return Main.EXIT_OK;
    }
}
