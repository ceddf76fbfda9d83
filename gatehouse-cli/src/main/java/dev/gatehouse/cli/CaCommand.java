package dev.gatehouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse ca}: the private CA. */
@Command(name = "ca", mixinStandardHelpOptions = true, description = "the private CA.")
final class CaCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("gatehouse ca: not built yet");
        return Main.EXIT_USAGE;
    }
}
