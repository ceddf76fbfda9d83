package dev.gatehouse.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code gatehouse} command. Thin: parses flags and calls the libraries.
 *
 * <p>Exit codes: 0 success; 1 the certificate or check is invalid ({@code verify}); 2 usage or input
 * error, an invalid configuration included.
 */
@Command(name = "gatehouse",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A layer-7 load balancer whose first job is mutual TLS.",
        subcommands = {
                ServeCommand.class,
                ValidateCommand.class,
                QuickstartCommand.class,
                VerifyCommand.class,
                CaCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements java.util.concurrent.Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INVALID = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(e -> EXIT_USAGE);
        cl.setParameterExceptionHandler((ex, a) -> {
            // The error and where to read more: the whole help would bury the one line that matters.
            CommandLine failed = ex.getCommandLine();
            java.io.PrintWriter err = failed.getErr();
            err.println("gatehouse: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println(helpHint(failed));
            err.flush();
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }

    /** {@code Try 'gatehouse verify --help' for more information.}: the one line after a usage error. */
    static String helpHint(CommandLine command) {
        return "Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.";
    }

    /** Bare {@code gatehouse}: the usage, once, on stderr, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return EXIT_USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"gatehouse " + (v == null ? "dev" : v)};
        }
    }
}
