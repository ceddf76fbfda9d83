package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A listener whose address is taken: {@link Gateway#start} fails with a message that names the listener,
 * its address and what to do, and no line ever claimed that a listener was up.
 */
class ListenerBindTest {
    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger gatewayLog = (Logger) LoggerFactory.getLogger(Gateway.class);

    @BeforeEach
    void capture() {
        logged.start();
        gatewayLog.addAppender(logged);
    }

    @AfterEach
    void release() {
        gatewayLog.detachAppender(logged);
    }

    @Test
    void aPortInUseNamesTheListenerAndAddressAndNoListenerWasAnnouncedAsUp() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            free = s.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
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
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.startsWith("listener "));
    }
}
