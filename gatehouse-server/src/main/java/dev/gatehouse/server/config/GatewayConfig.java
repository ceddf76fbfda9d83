package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration file, parsed and validated (structure, types, references between sections),
 * but with no file loaded yet: certificates, keys, trust stores and CRLs are loaded when the runtime
 * state is built from it.
 *
 * @param source          the file it was read from ({@code null} for a programmatic config)
 * @param name            this instance's name in logs (default: the host name)
 * @param listeners       in file order
 * @param trustStores     by name, in file order
 * @param targetGroups    by name, in file order
 * @param logs            where the logs go
 * @param shutdownTimeout how long a graceful stop waits for in-flight requests (default 30s);
 *                        YAML key {@code shutdown_timeout}
 * @param watchFiles      whether a change to the configuration file or any file it names reloads the
 *                        gateway (default true); YAML key {@code reload.watch_files}
 * @param admin           the admin listener, or {@code null} for none (YAML key {@code admin})
 * @param drainTimeout    how long after a reload the connections of the replaced configuration may stay
 *                        open, or {@code null} to let them run to their end (the default); YAML key
 *                        {@code reload.drain_timeout}
 */
public record GatewayConfig(
        Path source,
        String name,
        List<ListenerConfig> listeners,
        Map<String, TrustStoreConfig> trustStores,
        Map<String, TargetGroupConfig> targetGroups,
        LogsConfig logs,
        Duration shutdownTimeout,
        boolean watchFiles,
        AdminConfig admin,
        Duration drainTimeout) {

    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    public GatewayConfig {
        listeners = List.copyOf(listeners);
        trustStores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(trustStores));
        targetGroups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(targetGroups));
    }

    /** A configuration whose replaced connections run to their end after a reload. */
    public GatewayConfig(Path source, String name, List<ListenerConfig> listeners,
                         Map<String, TrustStoreConfig> trustStores, Map<String, TargetGroupConfig> targetGroups,
                         LogsConfig logs, Duration shutdownTimeout, boolean watchFiles, AdminConfig admin) {
        this(source, name, listeners, trustStores, targetGroups, logs, shutdownTimeout, watchFiles, admin, null);
    }

    /** A configuration without an admin listener. */
    public GatewayConfig(Path source, String name, List<ListenerConfig> listeners,
                         Map<String, TrustStoreConfig> trustStores, Map<String, TargetGroupConfig> targetGroups,
                         LogsConfig logs, Duration shutdownTimeout, boolean watchFiles) {
        this(source, name, listeners, trustStores, targetGroups, logs, shutdownTimeout, watchFiles, null);
    }

    /** A configuration with file watching on (the default). */
    public GatewayConfig(Path source, String name, List<ListenerConfig> listeners,
                         Map<String, TrustStoreConfig> trustStores, Map<String, TargetGroupConfig> targetGroups,
                         LogsConfig logs, Duration shutdownTimeout) {
        this(source, name, listeners, trustStores, targetGroups, logs, shutdownTimeout, true);
    }
}
