package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code gatehouse ca} itself, and the helpers the {@code Ca*Test} classes share: {@link Cli} runs
 * {@link Main#run} in-process with stdout and stderr captured, {@link OpenSsl} runs the real binary.
 */
class CaCommandTest {
    @ParameterizedTest
    @ValueSource(strings = {"init", "issue", "revoke", "crl", "list"})
    void everyVerbHasHelpWithExamples(String verb) {
        Cli.Result r = Cli.run("ca", verb, "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: gatehouse ca " + verb, "\nEXAMPLES\n", "  gatehouse ca " + verb);
        assertThat(r.out()).contains("--dir=DIR");
    }

    @Test
    void caListsItsVerbs() {
        Cli.Result r = Cli.run("ca", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("  init ", "  issue ", "  revoke ", "  crl ", "  list ", "EXAMPLES");
    }

    @Test
    void caWithoutAVerbIsAUsageError() {
        Cli.Result r = Cli.run("ca");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("a verb is required (expected: init, issue, revoke, crl or list)");
    }

    @Test
    void anUnknownVerbIsAUsageError() {
        assertThat(Cli.run("ca", "sign").exit()).isEqualTo(2);
    }

    /** Runs {@code gatehouse ARGS...} in-process. */
    static final class Cli {
        record Result(int exit, String out, String err) {
            @Override
            public String toString() {
                return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
            }
        }

        private Cli() {
        }

        static synchronized Result run(String... args) {
            PrintStream originalOut = System.out;
            PrintStream originalErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                exit = Main.run(args);
            } finally {
                System.out.flush();
                System.err.flush();
                System.setOut(originalOut);
                System.setErr(originalErr);
            }
            return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }

        /** Runs and insists on exit code 0. */
        static Result ok(String... args) {
            Result r = run(args);
            assertThat(r.exit()).as("gatehouse %s%n%s", String.join(" ", args), r).isZero();
            return r;
        }
    }

    /** The real {@code openssl} binary. */
    static final class OpenSsl {
        record Result(int exit, String output) {
        }

        private OpenSsl() {
        }

        static Result run(String... args) throws IOException, InterruptedException {
            Tools.assumeInstalled("openssl");
            List<String> cmd = new ArrayList<>();
            cmd.add("openssl");
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl timed out: " + cmd);
            }
            return new Result(p.exitValue(), String.join(" ", cmd) + "\n" + output);
        }

        /**
         * {@code openssl verify -x509_strict -purpose PURPOSE -CAfile ROOT [-untrusted U] [-crl_check
         * -CRLfile CRL] CERT}.
         */
        static Result verify(String purpose, Path root, Path untrusted, Path crl, Path cert)
                throws IOException, InterruptedException {
            List<String> a = new ArrayList<>(List.of("verify", "-x509_strict", "-purpose", purpose, "-CAfile", root.toString()));
            if (untrusted != null) {
                a.addAll(List.of("-untrusted", untrusted.toString()));
            }
            if (crl != null) {
                a.addAll(List.of("-crl_check", "-CRLfile", crl.toString()));
            }
            a.add(cert.toString());
            return run(a.toArray(String[]::new));
        }

        static void assertVerifies(Result r) {
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains(": OK");
        }

        static void assertFails(Result r, String why) {
            assertThat(r.exit()).as(r.output()).isNotZero();
            assertThat(r.output()).contains(why);
        }
    }
}
