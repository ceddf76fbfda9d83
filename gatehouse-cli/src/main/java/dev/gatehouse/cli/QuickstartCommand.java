package dev.gatehouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse quickstart}: demo PKI, config, echo target and gateway on 127.0.0.1:8443. */
@Command(name = "quickstart", mixinStandardHelpOptions = true, description = "demo PKI, config, echo target and gateway on 127.0.0.1:8443.")
final class QuickstartCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("gatehouse quickstart: not built yet");
        return Main.EXIT_USAGE;
    }
}
