package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages for input that a YAML library describes in its own terms: each names the line and what to do. */
class ConfigParserMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aNulByteIsNamedByLineAndColumn() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.write(file, "listeners:\n  - name: api\n    address: 127.0.0.1:\u00008443\n".getBytes(StandardCharsets.UTF_8));
        ConfigException e = catchThrowableOfType(() -> ConfigParser.parse(file), ConfigException.class);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo(file + ":3: <yaml>: a NUL byte (U+0000) at column 24 (expected: a text"
                + " file without control characters; remove it, or check that the file is not binary or UTF-16)");
    }

    @Test
    void anotherControlCharacterIsNamedByItsCodePoint() throws Exception {
        Path file = dir.resolve("gatehouse.yaml");
        Files.write(file, "listeners: []\nname: a\u0007b\n".getBytes(StandardCharsets.UTF_8));
        ConfigException e = catchThrowableOfType(() -> ConfigParser.parse(file), ConfigException.class);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith(file + ":2: <yaml>: a control character (U+0007) at column 8 (expected:");
    }
}
