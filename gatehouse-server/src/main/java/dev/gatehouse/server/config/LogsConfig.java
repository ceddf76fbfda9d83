package dev.gatehouse.server.config;

import java.nio.file.Path;

/**
 * {@code logs}: files for the connection log and the access log; {@code null} means not written.
 * Relative paths are resolved against the config file's directory. {@code connectionAt} and
 * {@code accessAt} say where each was configured, for errors about the file (it cannot be opened).
 */
public record LogsConfig(Path connection, Path access, ConfigLocation connectionAt, ConfigLocation accessAt) {
    public static final LogsConfig NONE = new LogsConfig(null, null);

    /** Log files not read from a configuration file (their errors name the keys only). */
    public LogsConfig(Path connection, Path access) {
        this(connection, access, ConfigLocation.synthetic("logs.connection"), ConfigLocation.synthetic("logs.access"));
    }
}
