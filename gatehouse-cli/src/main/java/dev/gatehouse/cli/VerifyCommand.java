package dev.gatehouse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code gatehouse verify}: explain a certificate step by step with the gateway's verifier. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = "explain a certificate step by step with the gateway's verifier.")
final class VerifyCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("gatehouse verify: not built yet");
        return Main.EXIT_USAGE;
    }
}
