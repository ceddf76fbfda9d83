package dev.gatehouse.server.admin;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.warmup.Warmup;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway with its admin listener (when the configuration has one), started and stopped in the order
 * that makes {@code /readyz} true to life: the admin listener first (503 while starting), then the gateway
 * (200 once every listener serves); on stop the gateway drains first (503), then the admin listener closes.
 * What {@code gatehouse serve} runs.
 */
public final class GatewayProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayProcess.class);
    private final Gateway gateway;
    private final AdminServer admin;

    private GatewayProcess(Gateway gateway, AdminServer admin) {
        this.gateway = gateway;
        this.admin = admin;
    }

    /** Starts the admin listener (if configured), then the gateway; on failure nothing is left open. */
    public static GatewayProcess start(GatewayConfig config) throws ConfigException {
        return start(config, Duration.ZERO, () -> false);
    }

    /**
     * {@link #start(GatewayConfig)}, with a {@link Warmup} of at most {@code warmup} between the two
     * (none when zero; cut short when {@code stopRequested} says so): {@code /readyz} says 503
     * {@code starting} meanwhile, and the listeners bind warm. The configuration is checked first, so a
     * broken one fails at once rather than after the warm-up.
     *
     * @return the started process, or {@code null} when {@code stopRequested} said so during the warm-up
     *         (then nothing was bound and the admin listener is closed again)
     */
    public static GatewayProcess start(GatewayConfig config, Duration warmup, BooleanSupplier stopRequested)
            throws ConfigException {
        if (!warmup.isZero()) {
            Gateway.check(config);
        }
        Telemetry telemetry = new Telemetry();
        AdminServer admin = config.admin() == null ? null : AdminServer.start(config.admin(),
                dev.gatehouse.server.RuntimeState.adminTls(config), telemetry);
        try {
            if (!warmup.isZero()) {
                log.info("warming up for at most {} s before the listeners bind", warmup.toSeconds());
                log.info("warm-up: {}", Warmup.run(warmup, stopRequested, config).summary());
                if (stopRequested.getAsBoolean()) {
                    log.info("asked to stop during the warm-up: the listeners are not bound");
                    if (admin != null) {
                        admin.close();
                    }
                    return null;
                }
            }
            Gateway gateway = Gateway.start(config, telemetry);
            if (admin != null) {
                admin.attach(gateway);
            }
            return new GatewayProcess(gateway, admin);
        } catch (ConfigException | RuntimeException | Error e) {
            if (admin != null) {
                admin.close();
            }
            throw e;
        }
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The admin listener, or {@code null} when the configuration has none. */
    public AdminServer admin() {
        return admin;
    }

    /** Stops the gateway gracefully (at most {@code grace} for in-flight requests), then the admin listener. */
    public void stop(Duration grace) {
        try {
            gateway.stop(grace);
        } finally {
            if (admin != null) {
                admin.close();
            }
        }
    }

    @Override
    public void close() {
        stop(gateway.config().shutdownTimeout());
    }
}
