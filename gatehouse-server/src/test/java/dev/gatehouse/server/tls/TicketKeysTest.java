package dev.gatehouse.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ticket_keys} file: 48-byte keys (name, HMAC key, AES key) in order, the first one sealing. */
class TicketKeysTest {
    @TempDir
    Path dir;

    private final ConfigLocation at = new ConfigLocation(Path.of("gatehouse.yaml"), 9,
            "listeners[0].tls.session_resumption.ticket_keys");

    @Test
    void keysAreReadInOrderAsNameHmacKeyAndAesKey() throws Exception {
        byte[] bytes = new byte[96];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        Path file = Files.write(dir.resolve("tickets.key"), bytes);
        OpenSslSessionTicketKey[] keys = TicketKeys.load(file, at);
        assertThat(keys).hasSize(2);
        assertThat(keys[0].name()).isEqualTo(Arrays.copyOfRange(bytes, 0, 16));
        assertThat(keys[0].hmacKey()).isEqualTo(Arrays.copyOfRange(bytes, 16, 32));
        assertThat(keys[0].aesKey()).isEqualTo(Arrays.copyOfRange(bytes, 32, 48));
        assertThat(keys[1].name()).isEqualTo(Arrays.copyOfRange(bytes, 48, 64));
        assertThat(keys[1].aesKey()).isEqualTo(Arrays.copyOfRange(bytes, 80, 96));
    }

    @Test
    void aFileThatIsNotWholeKeysIsRefusedNamingFileAndSize() throws Exception {
        Path file = Files.write(dir.resolve("tickets.key"), new byte[80]);
        assertThatThrownBy(() -> TicketKeys.load(file, at)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:9: listeners[0].tls.session_resumption.ticket_keys: ")
                .hasMessageContaining("ticket_keys " + file + ": 80 bytes, not a multiple of 48")
                .hasMessageContaining("openssl rand 48");
        Path empty = Files.write(dir.resolve("empty.key"), new byte[0]);
        assertThatThrownBy(() -> TicketKeys.load(empty, at)).hasMessageContaining(empty + ": 0 bytes");
    }

    @Test
    void twoKeysOfOneNameAreRefused() throws Exception {
        byte[] bytes = new byte[96];
        Arrays.fill(bytes, 48, 96, (byte) 7);
        Arrays.fill(bytes, 48, 64, (byte) 0);
        Path file = Files.write(dir.resolve("tickets.key"), bytes);
        assertThatThrownBy(() -> TicketKeys.load(file, at))
                .hasMessageContaining("key 2 (bytes 48-95) repeats the name of an earlier key");
    }
}
