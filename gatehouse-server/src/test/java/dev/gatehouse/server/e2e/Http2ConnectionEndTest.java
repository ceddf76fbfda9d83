package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.TargetGroupConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * A stream whose HTTP/2 connection ends while the stream waits for its target connection ends with the
 * connection: its request is over at once (no longer in flight, which a graceful stop waits for), and the
 * body frames it held are released (the paranoid leak detection of this module fails the test otherwise),
 * rather than both waiting for a target connection that may never come.
 */
class Http2ConnectionEndTest {

    @Test
    void aStreamWaitingForItsTargetEndsWithItsConnectionAndReleasesItsBody() throws Exception {
        try (UnansweredTarget target = new UnansweredTarget();
             ProxyHarness proxy = ProxyHarness.builder().protocol(ProxyHarness.Protocol.H2C)
                     .group("app", TargetGroupConfig.LoadBalancing.ROUND_ROBIN, Duration.ofSeconds(60),
                             Duration.ofSeconds(10), target.port())
                     .defaultAction(ActionConfig.Forward.to("app")).start()) {
            H2Connection h2 = H2Connection.open(proxy.port());
            try {
                h2.settings.get(10, TimeUnit.SECONDS);
                h2.stream(s -> {
                    s.write(new DefaultHttp2HeadersFrame(H2Client.request("POST", "/upload", "h"), false));
                    // Body frames the gateway does not ask for while it waits for the target: they stay in
                    // the stream.
                    for (int i = 0; i < 4; i++) {
                        s.writeAndFlush(new DefaultHttp2DataFrame(
                                Unpooled.copiedBuffer("piece " + i, StandardCharsets.UTF_8), false));
                    }
                });
                assertThat(await(() -> proxy.stage().inFlight() == 1)).as("the request is in flight").isTrue();
            } finally {
                h2.close();
            }
            // The target connection is still being attempted (for up to 60 s): only the end of the client's
            // connection can end the request now.
            assertThat(await(() -> proxy.stage().inFlight() == 0))
                    .as("the request ended with its connection").isTrue();
        }
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * A target whose new connections never complete: its listen queue is full (filled here, and never
     * accepted), so the kernel drops their SYNs and the connecting side keeps waiting.
     */
    static final class UnansweredTarget implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final List<Socket> queued = new ArrayList<>();

        UnansweredTarget() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(server.getLocalSocketAddress(), 300);
                    queued.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return;
                }
            }
            close();
            throw new IllegalStateException("the listen queue of " + server + " never filled");
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : queued) {
                s.close();
            }
            server.close();
        }
    }
}
