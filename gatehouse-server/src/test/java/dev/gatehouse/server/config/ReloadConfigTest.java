package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The {@code reload} section: {@code watch_files}, its default, and its errors. */
class ReloadConfigTest {
    private static final String PLAIN = """
            listeners:
              - name: plain
                address: 127.0.0.1:0
                protocol: http
                default_action: { fixed_response: { status: 200 } }
            """;
    private final Path file = Path.of("/etc/gatehouse/gatehouse.yaml");

    @Test
    void filesAreWatchedByDefault() throws Exception {
        assertThat(ConfigParser.parse(PLAIN, file).watchFiles()).isTrue();
    }

    @Test
    void watchFilesFalseTurnsWatchingOff() throws Exception {
        assertThat(ConfigParser.parse(PLAIN + "reload: { watch_files: false }\n", file).watchFiles()).isFalse();
        assertThat(ConfigParser.parse(PLAIN + "reload: { watch_files: true }\n", file).watchFiles()).isTrue();
    }

    @Test
    void watchFilesMustBeABoolean() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigParser.parse(PLAIN + "reload:\n  watch_files: sometimes\n", file));
        assertThat(e.getMessage()).startsWith(file + ":7: reload.watch_files: ")
                .contains("'sometimes' is not a boolean (expected: true or false)");
    }

    @Test
    void unknownReloadKeysAreRefused() {
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> ConfigParser.parse(PLAIN + "reload:\n  interval: 5s\n", file));
        assertThat(e.getMessage()).startsWith(file + ":7: reload.interval: ");
    }
}
