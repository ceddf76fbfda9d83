package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.FreePort;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener whose address is taken: {@link Gateway#start} fails with a message that names the listener,
 * its address and what to do, and no line ever claimed that a listener was up.
 */
class ListenerBindTest {
    @TempDir
    Path dir;

    @Test
    void aPortInUseNamesTheListenerAndAddressAndNoListenerWasAnnouncedAsUp() throws Exception {
        int free = FreePort.loopback();
        try (CapturedLog logged = CapturedLog.of(Gateway.class);
             ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Path file = dir.resolve("gatehouse.yaml");
            Files.writeString(file, """
                    listeners:
                      - name: first
                        address: 127.0.0.1:%d
                        protocol: http
                        default_action: { fixed_response: { status: 200 } }
                      - name: second
                        address: 127.0.0.1:%d
                        protocol: http
                        default_action: { fixed_response: { status: 200 } }
                    """.formatted(free, port));
            ConfigException e = catchThrowableOfType(() -> Gateway.start(ConfigParser.parse(file)), ConfigException.class);
            assertThat(e).isNotNull();
            assertThat(e.getMessage())
                    .startsWith(file + ":7: listeners[1].address: listener 'second' cannot listen on 127.0.0.1:" + port
                            + ": the address is already in use (expected: a free address; stop what listens on port "
                            + port + " or choose another port)");
            assertThat(logged.messages(Level.INFO)).noneMatch(m -> m.startsWith("listener "));
        }
    }
}
