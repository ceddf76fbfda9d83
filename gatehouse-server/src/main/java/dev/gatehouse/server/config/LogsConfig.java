package dev.gatehouse.server.config;

import java.nio.file.Path;

/**
 * {@code logs}: files for the connection log and the access log; {@code null} means not written.
 * Relative paths are resolved against the config file's directory.
 */
public record LogsConfig(Path connection, Path access) {
    public static final LogsConfig NONE = new LogsConfig(null, null);
}
