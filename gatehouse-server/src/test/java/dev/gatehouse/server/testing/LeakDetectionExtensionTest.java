package dev.gatehouse.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check itself can fail: a buffer dropped without release is recorded as a {@code LEAK:}. */
class LeakDetectionExtensionTest {

    @Test
    void aDroppedBufferIsRecordedAsALeak() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        leakOne();
        List<String> leaks = List.of();
        for (int i = 0; i < 20 && leaks.isEmpty(); i++) {
            LeakDetectionExtension.collectAndPoll();
            leaks = LeakDetectionExtension.takeLeaks(); // taken, so the extension does not fail this test
        }
        assertThat(leaks).isNotEmpty();
        assertThat(leaks.get(0)).startsWith("LEAK: ");
    }

    private static void leakOne() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
