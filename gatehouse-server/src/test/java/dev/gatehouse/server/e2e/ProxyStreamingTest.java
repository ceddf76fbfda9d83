package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import io.netty.util.internal.PlatformDependent;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through with backpressure: 256 MiB each way over HTTP/1.1 with direct memory staying far
 * below the body size, and a slow reader (16 MiB at about 4 MiB/s) that does not make the proxy buffer
 * the response. The separate-JVM test with {@code -Xmx128m -XX:MaxDirectMemorySize=64m}, curl, mutual TLS
 * and HTTP/2 is {@link ProxyLargeBodyTest}.
 */
class ProxyStreamingTest {
    static final long BIG = 256L * 1024 * 1024;
    static ProxyTargets.Http target;
    static ProxyHarness proxy;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        target = ProxyTargets.Http.start("big");
        proxy = ProxyHarness.builder().group("app", target.port()).defaultAction(ActionConfig.Forward.to("app")).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        target.close();
    }

    /** Samples direct memory (Netty's counter, or the JDK's direct buffer pool) while running. */
    static final class DirectMemoryPeak implements AutoCloseable {
        final AtomicLong peak = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread sampler;

        DirectMemoryPeak() {
            BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
            sampler = new Thread(() -> {
                while (running.get()) {
                    long used = Math.max(PlatformDependent.usedDirectMemory(), direct.getMemoryUsed());
                    peak.accumulateAndGet(used, Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }

    static InputStream generated(long size) {
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                if (left == 0) {
                    return -1;
                }
                left--;
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        };
    }

    @Test
    void uploads256MiB() throws Exception {
        long start = System.nanoTime();
        try (DirectMemoryPeak memory = new DirectMemoryPeak()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/upload")))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> generated(BIG)), BIG))
                    .build(), HttpResponse.BodyHandlers.ofString());
            memory.close();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("received=" + BIG);
            System.out.printf("upload 256 MiB: %d ms, peak direct memory %d KiB%n",
                    (System.nanoTime() - start) / 1_000_000, memory.peak.get() / 1024);
            assertThat(memory.peak.get()).isLessThan(48L * 1024 * 1024);
        }
    }

    @Test
    void chunkedUploadIsStreamedToo() throws Exception {
        long size = 32L * 1024 * 1024;
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/upload")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> generated(size))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("received=" + size);
    }

    @Test
    void downloads256MiB() throws Exception {
        long start = System.nanoTime();
        try (DirectMemoryPeak memory = new DirectMemoryPeak()) {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/download/" + BIG))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            long n;
            try (InputStream in = r.body()) {
                n = ProxyTargets.readBody(in, Long.MAX_VALUE);
            }
            memory.close();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(n).isEqualTo(BIG);
            System.out.printf("download 256 MiB: %d ms, peak direct memory %d KiB%n",
                    (System.nanoTime() - start) / 1_000_000, memory.peak.get() / 1024);
            assertThat(memory.peak.get()).isLessThan(48L * 1024 * 1024);
        }
    }

    @Test
    void aSlowReaderDoesNotMakeTheProxyBuffer() throws Exception {
        // Direct memory is counted for the whole JVM and grows in allocator chunks (MiBs at a time), so
        // the bound leaves room for that; without backpressure the proxy would hold most of the 48 MiB.
        long size = 48L * 1024 * 1024;
        long start = System.nanoTime();
        try (DirectMemoryPeak memory = new DirectMemoryPeak();
             RawHttp c = new RawHttp(proxy.port())) {
            c.socket().setReceiveBufferSize(64 * 1024);
            c.send("GET /download/" + size + " HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
            InputStream in = c.socket().getInputStream();
            ProxyTargets.readHead(in);
            byte[] buf = new byte[16 * 1024];
            long got = 0;
            long bytesPerSecond = 8L * 1024 * 1024;
            while (got < size) {
                int r = in.read(buf);
                if (r < 0) {
                    break;
                }
                got += r;
                long due = start + got * 1_000_000_000L / bytesPerSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
            memory.close();
            assertThat(got).isEqualTo(size);
            System.out.printf("slow download 48 MiB at 8 MiB/s: %d ms, peak direct memory %d KiB%n",
                    (System.nanoTime() - start) / 1_000_000, memory.peak.get() / 1024);
            assertThat(memory.peak.get()).isLessThan(16L * 1024 * 1024);
        }
    }
}
