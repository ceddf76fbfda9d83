package dev.gatehouse.server.config;

import java.nio.file.Path;

/**
 * {@code logs}: files for the connection log and the access log; {@code null} means not written.
 * Relative paths are resolved against the config file's directory. {@code connectionAt} and
 * {@code accessAt} say where each was configured, for errors about the file (it cannot be opened);
 * {@code format} is how lines are written ({@code logs.format}, default text).
 */
public record LogsConfig(Path connection, Path access, ConfigLocation connectionAt, ConfigLocation accessAt,
                         LogFormat format) {
    public static final LogsConfig NONE = new LogsConfig(null, null);

    /** Log files not read from a configuration file (their errors name the keys only). */
    public LogsConfig(Path connection, Path access) {
        this(connection, access, ConfigLocation.synthetic("logs.connection"), ConfigLocation.synthetic("logs.access"));
    }

    /** Log files in the text format. */
    public LogsConfig(Path connection, Path access, ConfigLocation connectionAt, ConfigLocation accessAt) {
        this(connection, access, connectionAt, accessAt, LogFormat.TEXT);
    }

    public LogsConfig {
        format = format == null ? LogFormat.TEXT : format;
    }

    /**
     * {@code format}: {@code text} (default: the space-separated lines of the README) or {@code json} (one
     * object per line, the same fields under their snake_case names).
     */
    public enum LogFormat { TEXT, JSON }
}
