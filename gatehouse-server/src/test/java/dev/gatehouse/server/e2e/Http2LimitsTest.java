package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ListenerHttp2;
import dev.gatehouse.server.http.Http2Limits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2SettingsFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 limits as a misbehaving client meets them, through Netty's HTTP/2 client codec: the stream
 * limit advertised and enforced exactly (REFUSED_STREAM over it, every admitted stream answered), an
 * oversize header block answered 431 on its stream with the connection still usable, and abuse (rapid
 * reset, floods of PING, SETTINGS and empty frames) ended with GOAWAY(ENHANCE_YOUR_CALM).
 */
class Http2LimitsTest {
    GatedTarget target;

    @BeforeEach
    void start() throws IOException {
        target = new GatedTarget();
    }

    @AfterEach
    void stop() throws IOException {
        target.close();
    }

    private ProxyHarness proxy(int maxConcurrentStreams) throws Exception {
        return ProxyHarness.builder().protocol(ProxyHarness.Protocol.H2C).group("app", target.port())
                .http2(new ListenerHttp2(maxConcurrentStreams)).defaultAction(ActionConfig.Forward.to("app")).start();
    }

    static Http2Headers get(String path) {
        return H2Client.request("GET", path, "h");
    }

    static Consumer<io.netty.handler.codec.http2.Http2StreamChannel> sends(Http2Headers headers) {
        return s -> s.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
    }

    @Test
    void aBurstOverTheStreamLimitIsRefusedExactlyAndEveryAdmittedStreamIsAnswered() throws Exception {
        // More refusals than the reset budget: refusing is not the client's fault and must not cost the
        // connection.
        int burst = 400;
        List<CompletableFuture<H2Connection.Outcome>> streams = new ArrayList<>();
        try (ProxyHarness proxy = proxy(100);
             // All 400 HEADERS leave before the client has read the server's SETTINGS, as an attacker's would.
             H2Connection h2 = H2Connection.open(proxy.port(), ch -> {
                 for (int i = 0; i < burst; i++) {
                     streams.add(H2Connection.stream(ch, sends(get("/burst/" + i))));
                 }
             })) {
            assertThat(h2.settings.get(10, TimeUnit.SECONDS).maxConcurrentStreams()).isEqualTo(100L);
            // The target answers nothing until all the refusals were received: no stream can finish and
            // free its slot while the burst is being read.
            target.awaitRequests(100);
            int refused = 0;
            for (CompletableFuture<H2Connection.Outcome> s : streams.subList(100, burst)) {
                H2Connection.Outcome o = s.get(10, TimeUnit.SECONDS);
                assertThat(o.resetCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
                refused++;
            }
            target.open();
            int answered = 0;
            for (CompletableFuture<H2Connection.Outcome> s : streams.subList(0, 100)) {
                H2Connection.Outcome o = s.get(20, TimeUnit.SECONDS);
                assertThat(o.status()).isEqualTo(200);
                assertThat(o.body()).isEqualTo("ok");
                answered++;
            }
            assertThat(answered).isEqualTo(100);
            assertThat(refused).isEqualTo(300);
            assertThat(target.requests.get()).isEqualTo(100);
            // The connection is still good: no GOAWAY, and the next stream is served.
            H2Connection.Outcome after = h2.stream(sends(get("/after"))).get(10, TimeUnit.SECONDS);
            assertThat(after.status()).isEqualTo(200);
            assertThat(h2.goAway).isNotDone();
        }
    }

    @Test
    void theConfiguredStreamLimitIsAdvertisedAndEnforced() throws Exception {
        List<CompletableFuture<H2Connection.Outcome>> streams = new ArrayList<>();
        try (ProxyHarness proxy = proxy(7);
             H2Connection h2 = H2Connection.open(proxy.port(), ch -> {
                 for (int i = 0; i < 10; i++) {
                     streams.add(H2Connection.stream(ch, s -> s.writeAndFlush(
                             new DefaultHttp2HeadersFrame(H2Client.request("POST", "/open", "h"), false))));
                 }
             })) {
            assertThat(h2.settings.get(10, TimeUnit.SECONDS).maxConcurrentStreams()).isEqualTo(7L);
            for (CompletableFuture<H2Connection.Outcome> s : streams.subList(7, 10)) {
                assertThat(s.get(10, TimeUnit.SECONDS)).isEqualTo(
                        new H2Connection.Outcome(-1, "", Http2Error.REFUSED_STREAM.code()));
            }
            assertThat(streams.subList(0, 7)).noneMatch(CompletableFuture::isDone);
        }
    }

    @Test
    void anOversizeHeaderBlockIsAnswered431AndTheConnectionStaysUsable() throws Exception {
        target.open();
        try (ProxyHarness proxy = proxy(100); H2Connection h2 = H2Connection.open(proxy.port())) {
            assertThat(h2.settings.get(10, TimeUnit.SECONDS).maxHeaderListSize()).isEqualTo(64L * 1024);
            CompletableFuture<io.netty.handler.codec.http2.Http2StreamChannel> earlierStream = new CompletableFuture<>();
            CompletableFuture<H2Connection.Outcome> earlier = h2.stream(s -> {
                s.writeAndFlush(new DefaultHttp2HeadersFrame(H2Client.request("POST", "/earlier", "h"), false));
                earlierStream.complete(s);
            });
            Http2Headers big = get("/big");
            for (int i = 0; i < 25; i++) {
                big.add("x-big-" + i, "v".repeat(8 * 1024)); // 200 KiB in all
            }
            H2Connection.Outcome tooBig = h2.stream(sends(big)).get(10, TimeUnit.SECONDS);
            assertThat(tooBig.status()).isEqualTo(431);

            H2Connection.Outcome next = h2.stream(sends(get("/next"))).get(10, TimeUnit.SECONDS);
            assertThat(next.status()).isEqualTo(200);
            // The stream opened before the big block goes on: its body is sent now, and it is answered.
            earlierStream.get(10, TimeUnit.SECONDS).writeAndFlush(new DefaultHttp2DataFrame(
                    Unpooled.copiedBuffer("body", StandardCharsets.UTF_8), true));
            assertThat(earlier.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(h2.goAway).isNotDone();
            assertThat(target.requests.get()).isEqualTo(2);
        }
    }

    /*
     * The abuse tests send exactly the frames that cross a limit and nothing after them: a server that
     * closes with unread bytes in its socket sends a TCP reset, which may discard the GOAWAY before the
     * client reads it.
     */

    private static H2Connection.GoAway awaitGoAway(H2Connection h2) throws Exception {
        H2Connection.GoAway g = h2.goAway.get(10, TimeUnit.SECONDS);
        h2.closed.get(10, TimeUnit.SECONDS);
        return g;
    }

    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        try (ProxyHarness proxy = proxy(100); H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            Channel ch = h2.channel();
            ch.eventLoop().execute(() -> {
                for (int i = 0; i < Http2Limits.MAX_RESETS + 1; i++) {
                    H2Connection.stream(ch, s -> {
                        s.write(new DefaultHttp2HeadersFrame(get("/reset"), false));
                        s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
                    });
                }
            });
            assertThat(awaitGoAway(h2).errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void aClientThatOnlyOpensStreamsOverTheLimitIsEndedWithEnhanceYourCalm() throws Exception {
        try (ProxyHarness proxy = proxy(1);
             H2Connection h2 = H2Connection.open(proxy.port(), ch -> {
                 // One admitted stream (the target holds it), then one refusal more than the budget.
                 for (int i = 0; i < 1 + Http2Limits.MAX_REFUSED_STREAMS + 1; i++) {
                     H2Connection.stream(ch, sends(get("/refused/" + i)));
                 }
             })) {
            assertThat(awaitGoAway(h2).errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void aPingFloodEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        // The client's first SETTINGS counts too.
        flood(ch -> ch.write(new DefaultHttp2PingFrame(42)), Http2Limits.MAX_CONTROL_FRAMES);
    }

    @Test
    void aSettingsFloodEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        flood(ch -> ch.write(new DefaultHttp2SettingsFrame(new Http2Settings().initialWindowSize(65535))),
                Http2Limits.MAX_CONTROL_FRAMES);
    }

    @Test
    void emptyDataFramesEndTheConnectionWithEnhanceYourCalm() throws Exception {
        try (ProxyHarness proxy = proxy(100); H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            h2.stream(s -> {
                s.writeAndFlush(new DefaultHttp2HeadersFrame(H2Client.request("POST", "/empty", "h"), false));
                // Netty's encoder never sends an empty DATA frame without END_STREAM: these are raw bytes,
                // written under the client codec. Frame header: length 0, type DATA, no flags, the stream.
                ByteBuf frames = Unpooled.buffer();
                for (int i = 0; i < Http2Limits.MAX_EMPTY_DATA_FRAMES + 1; i++) {
                    frames.writeMedium(0).writeByte(0).writeByte(0).writeInt(s.stream().id());
                }
                h2.channel().pipeline().firstContext().writeAndFlush(frames);
            });
            assertThat(awaitGoAway(h2).errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void pingsAtAnOrdinaryRateKeepTheConnection() throws Exception {
        target.open();
        try (ProxyHarness proxy = proxy(100); H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 50; i++) {
                h2.channel().writeAndFlush(new DefaultHttp2PingFrame(i)).sync();
            }
            assertThat(h2.stream(sends(get("/still"))).get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(h2.goAway).isNotDone();
        }
    }

    private void flood(Consumer<Channel> frame, int count) throws Exception {
        try (ProxyHarness proxy = proxy(100); H2Connection h2 = H2Connection.open(proxy.port())) {
            h2.settings.get(10, TimeUnit.SECONDS);
            Channel ch = h2.channel();
            ch.eventLoop().execute(() -> {
                for (int i = 0; i < count; i++) {
                    frame.accept(ch);
                    if (i % 50 == 0) {
                        ch.flush();
                    }
                }
                ch.flush();
            });
            assertThat(awaitGoAway(h2).errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void aClientStillSendingWhenTheConnectionEndsReadsTheGoAwayAndACleanEndNotAReset() throws Exception {
        // The error ends the connection while a lot of the client's input is still unread: a plain close
        // would make the kernel reset the connection, and the client could lose the GOAWAY. The
        // connection ends its output first and reads (and drops) the rest until the client closes.
        try (ProxyHarness proxy = proxy(100); Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            ByteBuf out = Unpooled.buffer();
            out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.writeMedium(0).writeByte(0x4).writeByte(0).writeInt(0); // SETTINGS, empty
            // DATA on stream 0: a connection error (PROTOCOL_ERROR)
            out.writeMedium(16).writeByte(0x0).writeByte(0).writeInt(0).writeZero(16);
            byte[] opening = new byte[out.readableBytes()];
            out.readBytes(opening).release();
            OutputStream os = s.getOutputStream();
            os.write(opening);
            os.flush();
            // ... and the client goes on sending (PINGs) for a while, as a busy client does.
            byte[] ping = new byte[9 + 8];
            ping[2] = 8;
            ping[3] = 0x6;
            CompletableFuture<IOException> writeFailure = new CompletableFuture<>();
            Thread writer = new Thread(() -> {
                long until = System.nanoTime() + 1_000_000_000L;
                try {
                    while (System.nanoTime() < until) {
                        os.write(ping);
                        os.flush();
                    }
                    writeFailure.complete(null);
                } catch (IOException reset) {
                    writeFailure.complete(reset); // what a client meets when the server's socket was closed
                }
            });
            writer.start();
            InputStream in = s.getInputStream();
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) { // a reset would throw here
                received.write(buf, 0, n);
            }
            ByteBuf frames = Unpooled.wrappedBuffer(received.toByteArray());
            long goAwayCode = -1;
            while (frames.readableBytes() >= 9) {
                int length = frames.readUnsignedMedium();
                int type = frames.readUnsignedByte();
                frames.skipBytes(5);
                if (type == 0x7) {
                    frames.skipBytes(4);
                    goAwayCode = frames.readUnsignedInt();
                    frames.skipBytes(length - 8);
                } else {
                    frames.skipBytes(length);
                }
            }
            assertThat(goAwayCode).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
            // Within the linger, what the client still sends is read and dropped, never answered by a reset.
            assertThat(writeFailure.get(10, TimeUnit.SECONDS)).isNull();
        }
    }

    /**
     * An HTTP/1.1 target that reads requests (heads only: the tests send no bodies) and answers each
     * {@code 200 ok} once {@link #open()} was called; counts the requests and connections it received.
     * {@link #hold} closes a new gate for the requests that come after it.
     */
    static final class GatedTarget implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile CountDownLatch gate = new CountDownLatch(1);
        private final ServerSocket server = new ServerSocket();

        GatedTarget() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 512);
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        sockets.add(s);
                        Thread t = new Thread(() -> serve(s), "gated-target-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "gated-target");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        void open() {
            gate.countDown();
        }

        /** Holds the answers to the requests that arrive from now on, until the next {@link #open}. */
        void hold() {
            gate = new CountDownLatch(1);
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
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
