package dev.gatehouse.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several processes issuing from one CA directory at once, as several {@code gatehouse ca issue}
 * commands would: the file lock keeps the index whole and the serials unique.
 */
class CrossProcessIssueTest {
    private static final int PROCESSES = 3;
    private static final int EACH = 25;

    @TempDir
    Path tmp;

    /** The child process: {@code Issuer DIR N PREFIX} issues N client certificates. */
    public static final class Issuer {
        public static void main(String[] args) throws Exception {
            CertificateAuthority ca = CertificateAuthority.open(Path.of(args[0]));
            for (int i = 0; i < Integer.parseInt(args[1]); i++) {
                ca.issue(IssueRequest.builder(IssuanceProfile.CLIENT).commonName(args[2] + "-" + i).build());
            }
        }
    }

    @Test
    void concurrentProcessesNeverLoseAnEntry() throws Exception {
        Path dir = tmp.resolve("pki");
        CertificateAuthority.initRoot(dir, CaParameters.root(), false);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        for (int p = 0; p < PROCESSES; p++) {
            children.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Issuer.class.getName(),
                    dir.toString(), String.valueOf(EACH), "p" + p).redirectErrorStream(true).start());
        }
        for (Process p : children) {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
        }
        List<IndexEntry> entries = CertificateAuthority.open(dir).list();
        assertThat(entries).hasSize(PROCESSES * EACH);
        Set<BigInteger> serials = new HashSet<>();
        entries.forEach(e -> serials.add(e.serial()));
        assertThat(serials).hasSize(PROCESSES * EACH);
        Set<String> subjects = new HashSet<>();
        entries.forEach(e -> subjects.add(e.subject().getName()));
        assertThat(subjects).contains("CN=p0-0", "CN=p1-" + (EACH - 1), "CN=p2-" + (EACH - 1)).hasSize(PROCESSES * EACH);
    }
}
