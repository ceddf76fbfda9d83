package dev.gatehouse.cli;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.admin.GatewayProcess;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gatehouse serve --config FILE}: runs the gateway until SIGTERM or SIGINT, then stops
 * gracefully and exits 0. SIGHUP reloads the configuration, SIGUSR1 reopens the log files.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the gateway. SIGHUP reloads the configuration, SIGUSR1 reopens the log files,"
                + " SIGTERM/SIGINT stop it gracefully (exit 0).",
        footer = {"", "EXAMPLES", "  gatehouse serve --config gatehouse.yaml"})
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path config;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "40s",
            converter = DurationConverter.class,
            description = "warm the JVM for at most this long before the listeners bind (default: ${DEFAULT-VALUE};"
                    + " it ends sooner once the JIT compilers settle; 0 starts cold)")
    Duration warmup;

    @Override
    public Integer call() {
        Signals.install();
        GatewayConfig parsed;
        GatewayProcess process;
        try {
            parsed = ConfigParser.parse(config);
            process = GatewayProcess.start(parsed, warmup, Signals::stopRequested);
        } catch (ConfigException e) {
            System.err.println("gatehouse: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (process == null) {
            System.err.println("gatehouse: stopped during the warm-up, before any listener was bound");
            return Main.EXIT_OK;
        }
        Gateway gateway = process.gateway();
        Signals.serving(() -> gateway.requestReload("SIGHUP"), gateway::reopenLogs);
        System.err.println("gatehouse: serving " + config + " (" + parsed.listeners().size() + " listeners); "
                + "SIGHUP reloads, SIGUSR1 reopens the logs, SIGTERM or Ctrl-C stops");
        Signals.awaitStop();
        // The configuration serving now: a reload may have changed shutdown_timeout.
        log.info("stopping: no new connections; waiting up to {} for in-flight requests", gateway.config().shutdownTimeout());
        process.stop(gateway.config().shutdownTimeout());
        return Main.EXIT_OK;
    }
}
