package dev.gatehouse.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.LogsConfig;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.RuleConfig;
import dev.gatehouse.server.config.TargetAddress;
import dev.gatehouse.server.config.TargetGroupConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.headers.ForwardedHeaders;
import dev.gatehouse.server.http.Exchange.State;
import dev.gatehouse.server.target.EmbeddedTargets;
import dev.gatehouse.server.target.Target;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ProxyHandler}'s state machine on {@link EmbeddedChannel}s: the client side is driven with
 * {@code HttpRequest}/{@code HttpContent} objects (what the codec would produce), the target side is a
 * real target connection on a second embedded channel, taken from the target's pool. Each test asserts
 * what the handler writes to either side, the reads it asks for (the backpressure idiom) and where its
 * {@link Exchange} is.
 */
class ProxyHandlerTest {
    private TargetGroups groups;
    private HttpStage stage;
    private EmbeddedChannel client;
    private EmbeddedChannel target;
    private ReadCounter clientReads;
    private ReadCounter targetReads;
    private ProxyHandler handler;

    @BeforeEach
    void setUp() {
        Map<String, TargetGroupConfig> groupConfigs = Map.of("app", new TargetGroupConfig("app",
                TargetGroupConfig.TargetProtocol.HTTP, List.of(TargetAddress.of("127.0.0.1", 9)),
                TargetGroupConfig.LoadBalancing.ROUND_ROBIN, null, null,
                new TargetGroupConfig.TargetTimeouts(Duration.ofSeconds(2), Duration.ofMinutes(5)),
                ConfigLocation.synthetic("target_groups.app")));
        RuleConfig fixed = new RuleConfig(10, new RuleConfig.Conditions(List.of(), List.of("/fixed"), List.of(),
                Map.of(), Map.of(), List.of(), null), new ActionConfig.FixedResponse(200, "text/plain", "fixed"),
                ConfigLocation.synthetic("rules"));
        ListenerConfig listener = new ListenerConfig("test", TargetAddress.of("127.0.0.1", 0),
                ListenerConfig.ListenerProtocol.HTTP, null, MutualAuthConfig.off(ConfigLocation.synthetic("l")),
                List.of(fixed), ActionConfig.Forward.to("app"), ListenerTimeouts.DEFAULTS,
                ConfigLocation.synthetic("listeners[0]"));
        GatewayConfig config = new GatewayConfig(null, "test-gateway", List.of(listener), Map.of(), groupConfigs,
                LogsConfig.NONE, Duration.ofSeconds(5));
        groups = TargetGroups.create(config.targetGroups(), null);
        stage = HttpStage.create(config, listener, groups, null);

        client = new EmbeddedChannel();
        client.config().setAutoRead(false);
        clientReads = new ReadCounter();
        client.pipeline().addLast("reads", clientReads);
        ConnectionInfo info = new ConnectionInfo("TID_" + "0".repeat(32), new InetSocketAddress("192.0.2.7", 40000),
                new InetSocketAddress("127.0.0.1", 8080), false, List.of(), null);
        handler = new ProxyHandler(stage, info, new ForwardedHeaders(info), false);
        client.pipeline().addLast("http-proxy", handler);

        target = new EmbeddedChannel();
        target.config().setAutoRead(false);
        targetReads = new ReadCounter();
        target.pipeline().addLast("reads", targetReads);
        EmbeddedTargets.offerIdle(appTarget(), client.eventLoop(), target);
    }

    @AfterEach
    void tearDown() {
        client.finishAndReleaseAll();
        target.finishAndReleaseAll();
        groups.close();
    }

    @Test
    void aForwardedRequestStreamsBothWaysAndTheNextRequestGetsANewExchange() {
        int readsBefore = clientReads.reads;
        client.writeInbound(post("/upload", 5));

        Exchange first = handler.exchange();
        assertThat(first.state).isEqualTo(State.STREAMING);
        HttpRequest forwarded = target.readOutbound();
        assertThat(forwarded.uri()).isEqualTo("/upload");
        assertThat(forwarded.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("5");
        assertThat(forwarded.headers().get("x-forwarded-for")).isEqualTo("192.0.2.7");
        assertThat(clientReads.reads).as("the body is asked for while the target is writable").isGreaterThan(readsBefore);
        assertThat(stage.inFlight()).isEqualTo(1);

        client.writeInbound(new DefaultLastHttpContent(ascii("hello")));
        assertThat(bodyOf(target)).isEqualTo("hello");
        assertThat(first.requestSent).isTrue();
        assertThat(first.state).isEqualTo(State.STREAMING);

        target.writeInbound(response(HttpResponseStatus.OK, "ok"));
        assertThat(answer()).isEqualTo(new Answer(200, null, "ok"));
        assertThat(handler.exchange()).as("idle between requests").isNull();
        assertThat(stage.inFlight()).isZero();

        client.writeInbound(get("/second"));
        Exchange second = handler.exchange();
        assertThat(second).isNotSameAs(first);
        assertThat(second.state).isEqualTo(State.STREAMING);
        assertThat(second.requestSent).isTrue();
        assertThat(second.responseStarted).as("nothing of the earlier exchange").isFalse();
        assertThat(((HttpRequest) target.readOutbound()).uri()).isEqualTo("/second");
    }

    @Test
    void theClientIsReadOnlyWhileTheTargetIsWritableAndTheTargetOnlyWhileTheClientIs() {
        client.writeInbound(post("/upload", 8));
        ReferenceCountUtil.release(target.readOutbound());

        setWritable(target, false);
        int clientReadsBefore = clientReads.reads;
        client.writeInbound(new DefaultHttpContent(ascii("abcd")));
        assertThat(clientReads.reads).as("no read while the target cannot take more").isEqualTo(clientReadsBefore);
        setWritable(target, true);
        assertThat(clientReads.reads).as("the target drained: read again").isEqualTo(clientReadsBefore + 1);

        client.writeInbound(new DefaultLastHttpContent(ascii("efgh")));
        assertThat(bodyOf(target)).isEqualTo("abcdefgh");

        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 8);
        int targetReadsBefore = targetReads.reads;
        target.writeInbound(head);
        assertThat(targetReads.reads).as("the client is writable: read on").isEqualTo(targetReadsBefore + 1);
        assertThat(((HttpResponse) client.readOutbound()).status().code()).isEqualTo(200);

        setWritable(client, false);
        target.writeInbound(new DefaultHttpContent(ascii("1234")));
        assertThat(targetReads.reads).as("no read while the client cannot take more").isEqualTo(targetReadsBefore + 1);
        setWritable(client, true);
        assertThat(targetReads.reads).as("the client drained: read again").isEqualTo(targetReadsBefore + 2);

        target.writeInbound(new DefaultLastHttpContent(ascii("5678")));
        assertThat(bodyOf(client)).isEqualTo("12345678");
        assertThat(handler.exchange()).isNull();
    }

    @Test
    void aLocalResponseReadsAndDropsTheRestOfASmallBodyAndKeepsTheConnection() {
        client.writeInbound(post("/fixed", 10));

        assertThat(answer()).isEqualTo(new Answer(200, null, "fixed"));
        assertThat(handler.exchange().state).isEqualTo(State.DISCARDING);
        assertThat(stage.inFlight()).as("answered: no longer in flight").isZero();

        int readsBefore = clientReads.reads;
        client.writeInbound(new DefaultHttpContent(ascii("01234")));
        assertThat(clientReads.reads).as("keeps reading what it drops").isGreaterThan(readsBefore);
        client.writeInbound(new DefaultLastHttpContent(ascii("56789")));
        assertThat(handler.exchange()).isNull();
        assertThat(client.isOpen()).isTrue();
        assertThat((Object) target.readOutbound()).as("nothing reached the target").isNull();
    }

    @Test
    void aMalformedChunkMidBodyIsNeverCompletedAtTheTarget() {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
        head.headers().set(HttpHeaderNames.HOST, "example.com").set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        client.writeInbound(head);
        ReferenceCountUtil.release(target.readOutbound());
        client.writeInbound(new DefaultHttpContent(ascii("abc")));

        LastHttpContent bad = new DefaultLastHttpContent();
        bad.setDecoderResult(DecoderResult.failure(new NumberFormatException("invalid chunk size")));
        client.writeInbound(bad);

        assertThat(written(target)).as("the body part, never its end").containsExactly("DefaultHttpContent");
        assertThat(answer()).isEqualTo(new Answer(400, "close", "400 Bad Request: malformed request body\n"));
        assertEndedWithTheConnections();
    }

    @Test
    void aBodyThatStopsArrivingEndsTheRequestWith408AndDropsTheTargetConnection() {
        client.writeInbound(post("/upload", 10));
        client.writeInbound(new DefaultHttpContent(ascii("0123")));
        assertThat(written(target)).containsExactly("DefaultHttpRequest", "DefaultHttpContent");

        client.pipeline().fireUserEventTriggered(HttpStage.REQUEST_BODY_TIMEOUT);

        assertThat(answer()).isEqualTo(new Answer(408, "close", "408 Request Timeout: request body timeout\n"));
        assertEndedWithTheConnections();
    }

    @Test
    void aTargetThatClosesBeforeItsResponseGets502AndTheConnectionStays() {
        client.writeInbound(get("/x"));
        ReferenceCountUtil.release(target.readOutbound());

        target.close();

        assertThat(answer()).isEqualTo(new Answer(502, null, "502 Bad Gateway: target closed the connection\n"));
        assertThat(handler.exchange()).isNull();
        assertThat(client.isOpen()).isTrue();
    }

    @Test
    void aTargetThatClosesMidResponseEndsTheClientConnection() {
        client.writeInbound(get("/x"));
        ReferenceCountUtil.release(target.readOutbound());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10);
        target.writeInbound(head, new DefaultHttpContent(ascii("1234")));

        target.close();

        assertThat(written(client)).as("a truncated response").containsExactly("DefaultHttpResponse",
                "DefaultHttpContent");
        assertEndedWithTheConnections();
    }

    @Test
    void aClientThatClosesMidBodyDropsTheTargetConnection() {
        client.writeInbound(post("/upload", 10));
        client.writeInbound(new DefaultHttpContent(ascii("0123")));
        assertThat(written(target)).containsExactly("DefaultHttpRequest", "DefaultHttpContent");

        client.close();

        assertEndedWithTheConnections();
    }

    @Test
    void aPipelinedRequestWaitsForTheResponseBeforeIt() {
        client.writeInbound(get("/a"), get("/b"));

        assertThat(((HttpRequest) target.readOutbound()).uri()).isEqualTo("/a");
        assertThat((Object) target.readOutbound()).as("the second waits in the queue").isNull();
        assertThat(handler.exchange().request.uri()).isEqualTo("/a");

        target.writeInbound(response(HttpResponseStatus.OK, "a"));

        assertThat(((HttpRequest) target.readOutbound()).uri()).isEqualTo("/b");
        assertThat(handler.exchange().request.uri()).isEqualTo("/b");
        target.writeInbound(response(HttpResponseStatus.OK, "b"));
        assertThat(bodyOf(client)).isEqualTo("ab");
        assertThat(handler.exchange()).isNull();
    }

    @Test
    void anHttp2StreamEndsWithItsExchange() {
        client.pipeline().remove(handler);
        ConnectionInfo info = new ConnectionInfo("TID_" + "1".repeat(32), new InetSocketAddress("192.0.2.7", 40000),
                new InetSocketAddress("127.0.0.1", 8443), true, List.of(), null);
        handler = new ProxyHandler(stage, info, new ForwardedHeaders(info), true);
        client.pipeline().addLast("http-proxy", handler);

        client.writeInbound(post("/upload", 4));
        ReferenceCountUtil.release(target.readOutbound());
        target.writeInbound(response(HttpResponseStatus.OK, "ok"));

        assertThat(answer()).isEqualTo(new Answer(200, null, "ok"));
        assertThat(handler.exchange().state).isEqualTo(State.CLOSED);
        assertThat(client.isOpen()).as("the body was not read: the stream is reset").isFalse();
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /**
     * The exchange ended with both connections: the client's (or stream) closed, the target's dropped
     * rather than pooled (it may hold half a request or half a response), nothing left in flight.
     */
    private void assertEndedWithTheConnections() {
        assertThat(handler.exchange().state).isEqualTo(State.CLOSED);
        assertThat(client.isOpen()).isFalse();
        assertThat(target.isOpen()).isFalse();
        assertThat(stage.inFlight()).isZero();
    }

    private Target appTarget() {
        return groups.group("app").targets().get(0);
    }

    private static HttpRequest post(String uri, int length) {
        HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        req.headers().set(HttpHeaderNames.HOST, "example.com").set(HttpHeaderNames.CONTENT_LENGTH, length);
        return req;
    }

    private static HttpRequest get(String uri) {
        HttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        req.headers().set(HttpHeaderNames.HOST, "example.com");
        return req;
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ascii(body));
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length());
        return r;
    }

    private static io.netty.buffer.ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static void setWritable(EmbeddedChannel ch, boolean writable) {
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
        ch.runPendingTasks(); // the writability event is fired later, from the event loop
    }

    /** A whole response written to the client: status, {@code Connection} header, body. */
    private record Answer(int status, String connection, String body) {}

    /** The next response written to the client, released. */
    private Answer answer() {
        FullHttpResponse r = client.readOutbound();
        try {
            return new Answer(r.status().code(), r.headers().get(HttpHeaderNames.CONNECTION),
                    r.content().toString(StandardCharsets.UTF_8));
        } finally {
            r.release();
        }
    }

    private static List<Object> drainOutbound(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object m;
        while ((m = ch.readOutbound()) != null) {
            out.add(m);
        }
        return out;
    }

    /** The kinds of message written to {@code ch} so far, released. */
    private static List<String> written(EmbeddedChannel ch) {
        List<Object> out = drainOutbound(ch);
        out.forEach(ReferenceCountUtil::release);
        return out.stream().map(m -> m.getClass().getSimpleName()).toList();
    }

    /** The bodies of everything written to {@code ch} so far (heads skipped), released. */
    private static String bodyOf(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object m : drainOutbound(ch)) {
            if (m instanceof HttpContent c) {
                sb.append(c.content().toString(StandardCharsets.US_ASCII));
            }
            ReferenceCountUtil.release(m);
        }
        return sb.toString();
    }

    /** Counts the reads asked of a channel (auto-read is off: every read is the handler's decision). */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int reads;

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads++;
            ctx.read();
        }
    }
}
