package dev.gatehouse.ca;

import dev.gatehouse.pki.CertificateNames;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * The index file: one line per issued certificate, in issue order. Read and rewritten (atomically) by
 * {@link CertificateAuthority} while it holds the directory's {@link CaLock}.
 *
 * <pre>
 * # gatehouse-ca index v1
 * # serial	not-after	status	revoked-at	reason	subject
 * 5E0C9F3A7B1D42E8A6C3F0B19D7E2A44	2026-05-04T10:15:30Z	valid	-	-	CN=alice
 * 2B7F...                             	2026-05-04T10:16:02Z	revoked	2025-06-01T08:00:00Z	keyCompromise	CN=bob,O=Acme
 * </pre>
 *
 * Fields are separated by one tab: serial in upper-case hex (whole bytes, as {@code ca list} and
 * {@code openssl x509 -serial} print it), not-after as an ISO-8601 UTC instant, {@code valid} or
 * {@code revoked}, revocation time and RFC 5280 reason name ({@code -} while valid), and the subject as
 * an RFC 2253 string (last, so it may hold any character but tab and newline). Lines starting with
 * {@code #} are comments. Expiry is not recorded: it follows from not-after.
 */
final class CaIndex {
    static final String FILE = "index";
    private static final String HEADER = "# gatehouse-ca index v1\n# serial\tnot-after\tstatus\trevoked-at\treason\tsubject\n";

    private CaIndex() {
    }

    static List<IndexEntry> read(Path file) throws IOException, CaException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CaException(file + ": missing (expected: the index of a CA directory made by 'gatehouse ca init')");
        }
        List<IndexEntry> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(parse(line, file + ":" + (i + 1)));
        }
        return out;
    }

    static void write(Path file, List<IndexEntry> entries) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER);
        for (IndexEntry e : entries) {
            sb.append(CertificateNames.serialHex(e.serial())).append('\t')
                    .append(e.notAfter().truncatedTo(ChronoUnit.SECONDS)).append('\t')
                    .append(e.isRevoked() ? "revoked" : "valid").append('\t')
                    .append(e.revokedAt().map(t -> t.truncatedTo(ChronoUnit.SECONDS).toString()).orElse("-")).append('\t')
                    .append(e.reason().map(RevocationReason::rfcName).orElse("-")).append('\t')
                    .append(e.subject().getName(X500Principal.RFC2253)).append('\n');
        }
        CaFiles.replace(file, sb.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    private static IndexEntry parse(String line, String where) throws CaException {
        String[] f = line.split("\t", 6);
        if (f.length != 6) {
            throw new CaException(where + ": " + f.length + " fields (expected: 6, separated by tabs)");
        }
        BigInteger serial;
        try {
            serial = new BigInteger(f[0], 16);
        } catch (NumberFormatException e) {
            throw new CaException(where + ": serial '" + f[0] + "' is not hexadecimal");
        }
        Instant notAfter = instant(f[1], "not-after", where);
        X500Principal subject;
        try {
            subject = new X500Principal(f[5]);
        } catch (IllegalArgumentException e) {
            throw new CaException(where + ": subject '" + f[5] + "': " + e.getMessage());
        }
        switch (f[2]) {
            case "valid":
                return new IndexEntry(serial, notAfter, subject, null, null);
            case "revoked":
                RevocationReason reason;
                try {
                    reason = RevocationReason.fromRfcName(f[4]);
                } catch (IllegalArgumentException e) {
                    throw new CaException(where + ": " + e.getMessage());
                }
                return new IndexEntry(serial, notAfter, subject, instant(f[3], "revoked-at", where), reason);
            default:
                throw new CaException(where + ": status '" + f[2] + "' (expected: valid or revoked)");
        }
    }

    private static Instant instant(String s, String field, String where) throws CaException {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new CaException(where + ": " + field + " '" + s + "' is not an ISO-8601 instant");
        }
    }
}
