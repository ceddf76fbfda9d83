package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Backpressure through a WebSocket tunnel, with raw sockets on both sides of an in-process gateway: the
 * target accepts the upgrade and then either writes 64 MiB as fast as it can to a client that does not
 * read yet, or reads nothing of the 64 MiB a client writes. If the gateway read on regardless it would
 * hold what the other side does not take, and the writer would get all 64 MiB out at once; with
 * backpressure the writer is stopped after what the socket buffers and one read in flight can hold
 * (a few MiB on loopback). Then the reader catches up and every byte arrives.
 */
class TunnelBackpressureTest {
    static final long TOTAL = 64L * 1024 * 1024;
    /** Far below {@link #TOTAL}, far above the loopback socket buffers of both hops (about 4 to 6 MiB each). */
    static final long STALLED_BOUND = 32L * 1024 * 1024;
    static final String UPGRADE = "GET /socket HTTP/1.1\r\nHost: app\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    static final String ACCEPTED = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    @Test
    void aClientThatDoesNotReadStopsTheTarget() throws Exception {
        AtomicLong written = new AtomicLong();
        try (ProxyTargets.Raw target = ProxyTargets.Raw.start(s -> {
                 ProxyTargets.readHead(s.getInputStream());
                 OutputStream out = s.getOutputStream();
                 out.write(ACCEPTED.getBytes(StandardCharsets.ISO_8859_1));
                 writeAll(out, written);
                 s.getInputStream().read(); // until the client closes
             });
             ProxyHarness gateway = ProxyHarness.builder().group("app", target.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start();
             Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(UPGRADE.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = client.getInputStream();
            String head = ProxyTargets.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket");

            long stalled = settle(written);
            assertThat(stalled).as("bytes the target got out while the client read nothing").isLessThan(STALLED_BOUND);
            assertThat(ProxyTargets.readBody(in, TOTAL)).isEqualTo(TOTAL);
        }
    }

    @Test
    void aTargetThatDoesNotReadStopsTheClient() throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        CompletableFuture<Void> startReading = new CompletableFuture<>();
        try (ProxyTargets.Raw target = ProxyTargets.Raw.start(s -> {
                 InputStream in = s.getInputStream();
                 ProxyTargets.readHead(in);
                 s.getOutputStream().write(ACCEPTED.getBytes(StandardCharsets.ISO_8859_1));
                 startReading.get(30, TimeUnit.SECONDS);
                 received.complete(ProxyTargets.readBody(in, TOTAL));
             });
             ProxyHarness gateway = ProxyHarness.builder().group("app", target.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start();
             Socket client = new Socket("127.0.0.1", gateway.port())) {
            client.setSoTimeout(20_000);
            OutputStream out = client.getOutputStream();
            out.write(UPGRADE.getBytes(StandardCharsets.ISO_8859_1));
            assertThat(ProxyTargets.readHead(client.getInputStream())).startsWith("HTTP/1.1 101");

            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    writeAll(out, written);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long stalled = settle(written);
            assertThat(stalled).as("bytes the client got out while the target read nothing").isLessThan(STALLED_BOUND);
            startReading.complete(null);
            writer.get(30, TimeUnit.SECONDS);
            assertThat(received.get(30, TimeUnit.SECONDS)).isEqualTo(TOTAL);
        }
    }

    static void writeAll(OutputStream out, AtomicLong written) throws Exception {
        byte[] chunk = new byte[64 * 1024];
        while (written.get() < TOTAL) {
            out.write(chunk);
            written.addAndGet(chunk.length);
        }
        out.flush();
    }

    /** Waits until the writer has been stopped (no progress for half a second, or 10 s) and says how far it got. */
    static long settle(AtomicLong written) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        while (System.nanoTime() < deadline && written.get() < TOTAL) {
            long now = written.get();
            if (now == last && now > 0) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
        return written.get();
    }
}
