package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.CertificateAuthority;
import dev.gatehouse.ca.IndexEntry;
import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca list}: every certificate the CA issued, one per line. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        header = "list issued certificates: serial, subject, not-after, status.",
        description = {"List every certificate this CA issued, in issue order: serial (as 'openssl x509"
                + " -serial' prints it), subject (as 'openssl x509 -subject -nameopt RFC2253' prints it),"
                + " not-after, and status: valid, revoked or expired. Columns are separated by at least two"
                + " spaces.", ""},
        footer = {"", "EXAMPLES",
                "  gatehouse ca list",
                "  gatehouse ca list --dir pki/issuing",
                "",
                "  # the serials of revoked certificates",
                "  gatehouse ca list | awk '$NF == \"revoked\" {print $1}'"})
final class CaListCommand implements Callable<Integer> {
    @Mixin
    CaCommand.DirOption dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return CaCommand.execute(spec, this::list);
    }

    private int list() throws IOException, CaException {
        CertificateAuthority ca = CertificateAuthority.open(dir.dir);
        Instant now = ca.now();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERIAL", "SUBJECT", "NOT AFTER", "STATUS"});
        for (IndexEntry e : ca.list()) {
            rows.add(new String[] {
                    CertificateNames.serialHex(e.serial()),
                    CertificateNames.distinguishedName(e.subject()),
                    DateTimeFormatter.ISO_INSTANT.format(e.notAfter().truncatedTo(ChronoUnit.SECONDS)),
                    e.status(now).toString()});
        }
        int[] width = new int[3];
        for (String[] r : rows) {
            for (int i = 0; i < width.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String[] r : rows) {
            out.println(String.format("%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %s",
                    (Object[]) r));
        }
        return Main.EXIT_OK;
    }
}
