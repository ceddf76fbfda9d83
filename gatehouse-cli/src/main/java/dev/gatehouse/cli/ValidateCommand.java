package dev.gatehouse.cli;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse validate --config FILE}: checks a configuration file the way {@code serve} would at
 * start, without opening any socket. Prints {@code FILE: OK (...)} and exits 0, or prints every problem the
 * file's reading found, one line each in file order ({@code gatehouse: file:line: key: problem (expected: ...)}),
 * to stderr and exits 2. Certificates, keys and CRLs are loaded only when the file itself has no problem.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "check a configuration file; errors name file:line and the key.",
        footer = {"", "EXAMPLES", "  gatehouse validate --config /etc/gatehouse/gatehouse.yaml"})
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the YAML configuration file")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        GatewayConfig checked;
        try {
            checked = check(config);
        } catch (ConfigException e) {
            for (ConfigException problem : e.problems()) {
                spec.commandLine().getErr().println("gatehouse: " + problem.getMessage());
            }
            return Main.EXIT_USAGE;
        }
        spec.commandLine().getOut().println(config + ": OK (" + checked.listeners().size() + " listeners, "
                + checked.targetGroups().size() + " target groups, " + checked.trustStores().size() + " trust stores)");
        return Main.EXIT_OK;
    }

    /** Everything {@code serve} checks before it binds a socket; the problems found are thrown together. */
    static GatewayConfig check(Path file) throws ConfigException {
        GatewayConfig config = ConfigParser.parse(file);
        // Load certificates, keys, trust stores and CRLs as serve would, so validate refuses all it refuses.
        dev.gatehouse.server.Gateway.check(config);
        return config;
    }
}
