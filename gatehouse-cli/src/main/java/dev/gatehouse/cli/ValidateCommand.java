package dev.gatehouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse validate}: check a configuration file. */
@Command(name = "validate", mixinStandardHelpOptions = true, description = "check a configuration file.")
final class ValidateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("gatehouse validate: not built yet");
        return Main.EXIT_USAGE;
    }
}
