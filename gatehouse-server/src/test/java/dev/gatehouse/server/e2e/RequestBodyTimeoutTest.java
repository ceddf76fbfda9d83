package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timeouts.request_body}: a request whose body stops arriving is ended (408 and close on HTTP/1.1,
 * RST_STREAM on HTTP/2), says so in the access log, and its half-written target connection is closed, not
 * pooled and not left open; a body that keeps arriving, however slowly, is never cut off.
 */
class RequestBodyTimeoutTest {
    @TempDir
    Path dir;
    RecordingTarget target;

    @BeforeEach
    void start() throws Exception {
        target = RecordingTarget.start();
    }

    @AfterEach
    void stop() throws Exception {
        target.close();
    }

    private ProxyHarness proxy(ProxyHarness.Protocol protocol) throws Exception {
        return ProxyHarness.builder().protocol(protocol).group("app", target.port())
                .requestBodyTimeout(Duration.ofMillis(800)).accessLog(dir.resolve("access.log"))
                .defaultAction(ActionConfig.Forward.to("app")).start();
    }

    /** Polls {@code probe} until it returns something, for up to 10 s. */
    private static <T> T await(String what, Callable<T> probe) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            T found = probe.call();
            if (found != null) {
                return found;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(what);
    }

    /**
     * The target records a request when its connection ends: a request with a 100,000-byte body that
     * shows up with none means Gatehouse closed the connection that carried it.
     */
    private RecordingTarget.Request awaitAbandonedAtTarget(String path) throws Exception {
        return await("the target connection of " + path + " was never closed", () -> target.requests.stream()
                .filter(r -> r.requestLine().startsWith("POST " + path + " ")).findFirst().orElse(null));
    }

    private List<String> awaitAccessLog(int lines) throws Exception {
        Path log = dir.resolve("access.log");
        return await("no access-log line", () -> {
            List<String> read = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return read.size() >= lines ? read : null;
        });
    }

    @Test
    void http11BodyThatNeverArrivesGets408AndCloseAndItsTargetConnectionIsClosed() throws Exception {
        try (ProxyHarness proxy = proxy(ProxyHarness.Protocol.HTTP1); RawHttp c = new RawHttp(proxy.port())) {
            c.send("POST /stalled HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n");
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(r.text()).contains("request body timeout");
            assertThat(c.closedByPeer()).isTrue();

            RecordingTarget.Request atTarget = awaitAbandonedAtTarget("/stalled");
            assertThat(atTarget.headers("content-length")).containsExactly("100000");
            assertThat(atTarget.body()).isEmpty();
            assertThat(awaitAccessLog(1).get(0)).contains(" POST \"h\" \"/stalled\" 408 ")
                    .endsWith(" \"request body timeout\"");
            assertThat(proxy.stage().inFlight()).isZero();

            // The pool holds no half-used connection: the next request is answered in full.
            RawHttp.Response next = RawHttp.exchange(proxy.port(),
                    "POST /next HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.text()).isEqualTo("ok");
        }
    }

    @Test
    void http11BodyThatStopsHalfWayIsEndedToo() throws Exception {
        try (ProxyHarness proxy = proxy(ProxyHarness.Protocol.HTTP1); RawHttp c = new RawHttp(proxy.port())) {
            c.send("POST /half HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
            assertThat(awaitAccessLog(1).get(0)).contains(" POST \"h\" \"/half\" 408 5 ")
                    .endsWith(" \"request body timeout\"");
        }
    }

    @Test
    void aSlowBodyThatKeepsArrivingIsNeverCutOff() throws Exception {
        try (ProxyHarness proxy = proxy(ProxyHarness.Protocol.HTTP1); RawHttp c = new RawHttp(proxy.port())) {
            c.send("POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\nConnection: close\r\n\r\n");
            // 16 pieces, 200 ms apart: 3.2 s in all, four times the timeout, never 800 ms without a byte (and
            // 600 ms to spare for a test thread that two busy shared cores wake late).
            for (int i = 0; i < 16; i++) {
                Thread.sleep(200);
                c.send(Integer.toHexString(i));
            }
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(target.requests).anySatisfy(q -> {
                assertThat(q.requestLine()).startsWith("POST /slow ");
                assertThat(q.bodyText()).isEqualTo("0123456789abcdef");
            });
        }
    }

    @Test
    void http2StreamWhoseBodyNeverArrivesIsResetAndTheConnectionServesOthers() throws Exception {
        try (ProxyHarness proxy = proxy(ProxyHarness.Protocol.H2C); H2Connection h2 = H2Connection.open(proxy.port())) {
            CompletableFuture<H2Connection.Outcome> stalled = h2.stream(s -> s.writeAndFlush(
                    new DefaultHttp2HeadersFrame(H2Client.request("POST", "/h2-stalled", "h")
                            .setLong("content-length", 100000), false)));
            H2Connection.Outcome out = stalled.get(10, TimeUnit.SECONDS);
            assertThat(out.status()).isEqualTo(408);
            assertThat(out.resetCode()).as("RST_STREAM").isNotEqualTo(-1L).isNotEqualTo(Http2Error.NO_ERROR.code());
            assertThat(awaitAbandonedAtTarget("/h2-stalled").body()).isEmpty();
            assertThat(awaitAccessLog(1).get(0)).contains(" HTTP/2.0 POST \"h\" \"/h2-stalled\" 408 ")
                    .endsWith(" \"request body timeout\"");

            CompletableFuture<H2Connection.Outcome> next = h2.stream(s -> {
                s.write(new DefaultHttp2HeadersFrame(H2Client.request("POST", "/h2-next", "h"), false));
                s.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8), true));
            });
            H2Connection.Outcome ok = next.get(10, TimeUnit.SECONDS);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("ok");
            assertThat(h2.goAway).isNotDone();
        }
    }
}
