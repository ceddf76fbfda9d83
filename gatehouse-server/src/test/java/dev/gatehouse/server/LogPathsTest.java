package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log paths are checked by {@code validate} ({@link Gateway#check}) exactly as {@code serve}
 * ({@link Gateway#start}) opens them: the same error, naming file, line and key, and no directory is
 * ever created.
 */
class LogPathsTest {
    @TempDir
    Path dir;

    /** Lines 1-7; {@code logs.connection} is on line 7. */
    private Path config(String connectionLog) throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, """
                listeners:
                  - address: 127.0.0.1:0
                    protocol: http
                    default_action: { fixed_response: { status: 200 } }
                logs:
                  access: access.log
                  connection: %s
                """.formatted(connectionLog));
        return file;
    }

    private void bothRefuse(Path file, String problem) throws Exception {
        GatewayConfig config = ConfigParser.parse(file);
        ConfigException validate = catchThrowableOfType(() -> Gateway.check(config), ConfigException.class);
        ConfigException serve = catchThrowableOfType(() -> Gateway.start(config), ConfigException.class);
        assertThat(validate).as("validate").isNotNull();
        assertThat(serve).as("serve").isNotNull();
        assertThat(validate.getMessage()).startsWith(file + ":7: logs.connection: ").contains(problem);
        assertThat(serve.getMessage()).isEqualTo(validate.getMessage());
    }

    @Test
    void aDirectoryAsALogFileIsRefusedByValidateAndServeAlikeWithItsLine() throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        bothRefuse(config("logs"), "is a directory");
    }

    @Test
    void aMissingDirectoryIsAnErrorAndIsNeverCreated() throws Exception {
        bothRefuse(config("missing/deeper/connection.log"), "does not exist");
        assertThat(dir.resolve("missing")).doesNotExist();
        assertThat(dir.resolve("access.log")).as("nothing opened by a failed start").doesNotExist();
    }

    @Test
    void aLogFileInAnExistingDirectoryIsCreatedByServeButNotByValidate() throws Exception {
        GatewayConfig config = ConfigParser.parse(config("connection.log"));
        Gateway.check(config);
        assertThat(dir.resolve("connection.log")).doesNotExist();
        Gateway gateway = Gateway.start(config);
        try {
            assertThat(dir.resolve("connection.log")).isRegularFile();
        } finally {
            gateway.stop(Duration.ofSeconds(1));
        }
    }
}
