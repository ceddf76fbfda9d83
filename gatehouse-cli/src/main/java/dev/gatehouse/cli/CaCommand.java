package dev.gatehouse.cli;

import dev.gatehouse.ca.CaException;
import dev.gatehouse.ca.KeySpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse ca}: the private CA, one verb per class ({@link CaInitCommand}, {@link CaIssueCommand},
 * {@link CaRevokeCommand}, {@link CaCrlCommand}, {@link CaListCommand}). The verbs are thin: they parse
 * flags and call {@link dev.gatehouse.ca.CertificateAuthority}, whose class comment documents the
 * directory layout.
 *
 * <p>Every error the user can fix (a bad flag value, an existing file, an unknown serial, a directory
 * that is not a CA) is one line on stderr, {@code gatehouse ca VERB: what was wrong}, and exit code 2.
 */
@Command(name = "ca", mixinStandardHelpOptions = true,
        description = {"The private CA: state in a directory (--dir, default ./pki). Run 'gatehouse ca VERB"
                + " --help' for a verb's flags and examples.", ""},
        subcommands = {
                CaInitCommand.class,
                CaIssueCommand.class,
                CaRevokeCommand.class,
                CaCrlCommand.class,
                CaListCommand.class,
        },
        footer = {"", "EXAMPLES",
                "  gatehouse ca init --dir pki/root --cn \"Acme Root CA\"",
                "  gatehouse ca init --dir pki/issuing --intermediate --parent pki/root",
                "  gatehouse ca issue --dir pki/issuing --profile server --cn api.example.com",
                "  gatehouse ca issue --dir pki/issuing --profile client --cn alice",
                "  gatehouse ca list --dir pki/issuing",
                "  gatehouse ca revoke --dir pki/issuing --serial 5E0C9F3A7B1D42E8A6C3F0B1",
                "  gatehouse ca crl --dir pki/issuing --days 7"})
final class CaCommand implements Runnable {
    /** The CA directory when {@code --dir} is not given. */
    static final String DEFAULT_DIR = "pki";

    /** Days until a CRL's nextUpdate when {@code ca crl --days} is not given, and of the CRL {@code ca init} writes. */
    static final int DEFAULT_CRL_DAYS = 7;

    /** How a new CRL reaches a running gateway; printed wherever a CRL is (to be) written. */
    static final String CRL_PICKUP = "a running gateway that names this CRL in a trust store picks up the new file"
            + " within 2 s (or on SIGHUP)";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a verb is required (expected: init, issue, revoke, crl or list)");
    }

    /** {@code --dir DIR}, shared by every verb. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR", defaultValue = DEFAULT_DIR,
                description = "the CA directory (default: ${DEFAULT-VALUE})")
        Path dir;
    }

    /** The body of a verb: returns an exit code, may throw what {@link #execute} turns into messages. */
    interface Action {
        int run() throws IOException, CaException;
    }

    /**
     * Runs {@code action}, turning every error the user can fix into one line on stderr and exit code 2.
     */
    static int execute(CommandSpec spec, Action action) {
        PrintWriter err = spec.commandLine().getErr();
        String prefix = "gatehouse ca " + spec.name() + ": ";
        try {
            return action.run();
        } catch (UsageError | IllegalArgumentException | CaException e) {
            err.println(prefix + e.getMessage());
        } catch (FileAlreadyExistsException e) {
            err.println(prefix + e.getFile() + " already exists (use --force to overwrite it)");
        } catch (NoSuchFileException e) {
            err.println(prefix + e.getFile() + ": no such file or directory");
        } catch (AccessDeniedException e) {
            err.println(prefix + e.getFile() + ": permission denied");
        } catch (IOException | UncheckedIOException e) {
            err.println(prefix + "I/O error: " + e.getMessage());
        } finally {
            spec.commandLine().getOut().flush();
            err.flush();
        }
        return Main.EXIT_USAGE;
    }

    /** A flag value or combination of flags that cannot work; the message names the flag. */
    static final class UsageError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageError(String message) {
            super(message);
        }
    }

    static KeySpec keySpec(String value) {
        try {
            return KeySpec.fromCliName(value);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--key-type '" + value + "' (expected: " + KeySpec.names() + ")");
        }
    }

    /** {@code --days}: a positive number of days. */
    static int days(int value) {
        if (value <= 0) {
            throw new UsageError("--days " + value + " (expected: > 0)");
        }
        return value;
    }

    /** One aligned {@code label: value} line of a verb's report. */
    static String field(String label, Object value) {
        return String.format("  %-13s %s", label + ":", value);
    }
}
