package dev.gatehouse.server.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFileTest {
    @TempDir
    Path dir;

    @Test
    void linesArriveInOrderAndCloseFlushes() throws Exception {
        Path p = dir.resolve("a.log");
        LogFile f = LogFile.open(p);
        for (int i = 0; i < 1000; i++) {
            f.append("line " + i);
        }
        f.close();
        assertThat(Files.readAllLines(p)).hasSize(1000).startsWith("line 0").endsWith("line 999");
        assertThat(f.dropped()).isZero();
        f.append("after close");
        assertThat(f.dropped()).isEqualTo(1);
    }

    @Test
    void aCloseOnAnInterruptedThreadStillWritesEveryLineAndKeepsTheInterrupt() throws Exception {
        Path p = dir.resolve("interrupted.log");
        LogFile f = LogFile.open(p);
        for (int i = 0; i < 20_000; i++) { // fewer than the queue holds: none dropped
            assertThat(f.append("line " + i)).isTrue();
        }
        Thread.currentThread().interrupt();
        f.close();
        assertThat(Thread.interrupted()).as("the interrupt, kept for the caller").isTrue();
        assertThat(Files.readAllLines(p)).hasSize(20_000).endsWith("line 19999");
    }

    @Test
    void aFailingDiskCountsLostLinesAndNeitherKillsTheWriterNorHangsClose() throws Exception {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "/dev/full is not available");
        LogFile f = LogFile.open(full);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100; i++) {
                f.append("x".repeat(200));
            }
            Thread.sleep(300);
        }
        long start = System.nanoTime();
        f.close();
        assertThat(System.nanoTime() - start).isLessThan(15_000_000_000L);
        assertThat(f.writeErrors()).isGreaterThanOrEqualTo(2); // the writer kept going after the first error
        assertThat(f.dropped()).isGreaterThanOrEqualTo(100);
    }
}
