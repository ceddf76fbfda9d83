package dev.gatehouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse serve}: run the gateway. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "run the gateway.")
final class ServeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("gatehouse serve: not built yet");
        return Main.EXIT_USAGE;
    }
}
