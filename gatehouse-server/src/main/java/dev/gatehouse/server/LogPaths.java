package dev.gatehouse.server;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.observe.LogFile;
import dev.gatehouse.server.observe.LogFiles;
import java.io.IOException;
import java.nio.file.Path;

/** The configured log files of a gateway: checked before any is opened, then opened, each error naming its key. */
final class LogPaths {
    private LogPaths() {}

    /** Opens a configured log file (checked by {@link #check}), or fails naming its key; {@code null} for none. */
    static LogFile open(LogFiles logs, Path path, ConfigLocation at) throws ConfigException {
        if (path == null) {
            return null;
        }
        try {
            return logs.acquire(path, LogFile::open);
        } catch (IOException e) {
            throw new ConfigException(at, "cannot open " + path + ": " + e.getMessage()
                    + " (expected: a log file Gatehouse can append to)", e);
        }
    }

    /**
     * Whether {@link LogFile#open} would open every log file of {@code config}, checked before any is
     * opened; creates nothing. {@code validate} and {@code serve} both call it.
     */
    static void check(GatewayConfig config) throws ConfigException {
        check(config.logs().access(), config.logs().accessAt());
        check(config.logs().connection(), config.logs().connectionAt());
    }

    private static void check(Path path, ConfigLocation at) throws ConfigException {
        String problem = path == null ? null : LogFile.problem(path);
        if (problem != null) {
            throw new ConfigException(at, problem);
        }
    }
}
