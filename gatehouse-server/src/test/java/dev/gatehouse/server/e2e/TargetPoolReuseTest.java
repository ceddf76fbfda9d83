package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ListenerHttp2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive pool of a target keeps the connections a burst needed: an HTTP/2 client with 100 streams
 * in flight needs 100 HTTP/1.1 target connections on its event loop at once, and the next such burst
 * finds them all idle instead of connecting again (connecting anew for every burst doubled the CPU per
 * request of HTTP/2 keep-alive, bench/README.md).
 */
class TargetPoolReuseTest {
    private static final int STREAMS = 100;

    @Test
    void aSecondBurstOfConcurrentStreamsReusesEveryTargetConnectionOfTheFirst() throws Exception {
        try (HeldTarget target = new HeldTarget();
             ProxyHarness proxy = ProxyHarness.builder().protocol(ProxyHarness.Protocol.H2C).group("app", target.port())
                     .http2(new ListenerHttp2(STREAMS)).defaultAction(ActionConfig.Forward.to("app")).start();
             H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            for (int burst = 1; burst <= 2; burst++) {
                CountDownLatch gate = target.hold();
                List<CompletableFuture<H2Connection.Outcome>> streams = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    streams.add(h2.stream(Http2LimitsTest.sends(Http2LimitsTest.get("/burst/" + burst + "/" + i))));
                }
                // Every request of the burst is at the target, none answered: STREAMS connections in use at once.
                target.awaitRequests(burst * STREAMS);
                assertThat(target.requests.get()).isEqualTo(burst * STREAMS);
                gate.countDown();
                for (CompletableFuture<H2Connection.Outcome> s : streams) {
                    H2Connection.Outcome o = s.get(20, TimeUnit.SECONDS);
                    assertThat(o.status()).isEqualTo(200);
                    assertThat(o.body()).isEqualTo("ok");
                }
                assertThat(target.connections.size()).as("target connections after burst %d", burst).isEqualTo(STREAMS);
            }
        }
    }

    /** An HTTP/1.1 target that counts its connections and holds every answer until its current gate opens. */
    static final class HeldTarget implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final List<Socket> connections = new CopyOnWriteArrayList<>();
        private final ServerSocket server = new ServerSocket();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        HeldTarget() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 512);
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        connections.add(s);
                        Thread t = new Thread(() -> serve(s), "held-target-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "held-target");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        /** Holds the answers to requests from now on; they go once the returned gate opens. */
        CountDownLatch hold() {
            CountDownLatch g = new CountDownLatch(1);
            gate = g;
            return g;
        }

        void awaitRequests(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (requests.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    ProxyTargets.readHead(in);
                    CountDownLatch g = gate;
                    requests.incrementAndGet();
                    g.await();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException | RuntimeException ignored) {
                // the connection ends
            }
        }

        @Override
        public void close() throws IOException {
            gate.countDown();
            server.close();
            for (Socket s : connections) {
                s.close();
            }
        }
    }
}
