package dev.gatehouse.server.target;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A target host that does not resolve is a configuration error at build (validate, serve), not a 502 per request. */
class TargetResolutionTest {
    @TempDir
    Path dir;

    @Test
    void anUnresolvableTargetHostFailsValidationNamingTheTarget() throws Exception {
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - address: 127.0.0.1:0
                    protocol: http
                    default_action: { forward: app }
                target_groups:
                  app:
                    targets: ["127.0.0.1:9001", "no-such-host.invalid:80"]
                """);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> Gateway.check(ConfigParser.parse(config)));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).startsWith(config + ":6: target_groups.app.targets[1]: ")
                .contains("host 'no-such-host.invalid' does not resolve");
    }
}
