package dev.gatehouse.server.headers;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyFramingTest {
    @Test
    void aForwardedRequestIsFramedAsTheDecoderReadIt() {
        HttpRequest chunked = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.POST, "/");
        chunked.headers().set(HttpHeaderNames.CONTENT_LENGTH, 3);
        BodyFraming.forwardedRequest(chunked, true, -1);
        assertThat(chunked.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);
        assertThat(chunked.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(chunked.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();

        HttpRequest declared = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/");
        BodyFraming.forwardedRequest(declared, false, 12);
        assertThat(declared.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("12");
    }

    @Test
    void aRequestReceivedWholeGetsItsLengthWhenItHasABodyOrItsMethodUsuallyCarriesOne() {
        FullHttpRequest withBody = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/",
                Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
        FullHttpRequest emptyPost = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        FullHttpRequest emptyGet = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        try {
            BodyFraming.forwardedRequest(withBody, false, -1);
            BodyFraming.forwardedRequest(emptyPost, false, -1);
            BodyFraming.forwardedRequest(emptyGet, false, -1);
            assertThat(withBody.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("3");
            assertThat(emptyPost.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("0");
            assertThat(emptyGet.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
        } finally {
            withBody.release();
            emptyPost.release();
            emptyGet.release();
        }
    }

    @Test
    void aResponseWithoutALengthIsChunkedForHttp11AndEndsTheConnectionForHttp10() {
        HttpResponse to11 = unframed();
        assertThat(BodyFraming.clientResponse(to11, false, true, false, false)).isFalse();
        assertThat(to11.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(to11.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();

        HttpResponse to10 = unframed();
        assertThat(BodyFraming.clientResponse(to10, false, true, false, true)).isTrue();
        assertThat(to10.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
        assertThat(to10.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");

        HttpResponse toHead = unframed();
        assertThat(BodyFraming.clientResponse(toHead, false, true, true, false)).isFalse();
        assertThat(toHead.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).as("a HEAD response has no body")
                .isFalse();
    }

    @Test
    void theTargetsConnectionHeadersNeverReachTheClient() {
        HttpResponse r = unframed();
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2).set(HttpHeaderNames.CONNECTION, "close, x-hop")
                .set("x-hop", "1").set(HttpHeaderNames.KEEP_ALIVE, "timeout=5");
        assertThat(BodyFraming.clientResponse(r, false, true, false, true)).isFalse();
        assertThat(r.headers().contains("x-hop")).isFalse();
        assertThat(r.headers().contains(HttpHeaderNames.KEEP_ALIVE)).isFalse();
        assertThat(r.headers().get(HttpHeaderNames.CONNECTION)).as("an HTTP/1.0 client that stays")
                .isEqualTo("keep-alive");

        HttpResponse closing = unframed();
        closing.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        assertThat(BodyFraming.clientResponse(closing, false, false, false, false)).isTrue();
        assertThat(closing.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");

        HttpResponse stream = unframed();
        stream.headers().set(HttpHeaderNames.CONNECTION, "keep-alive");
        assertThat(BodyFraming.clientResponse(stream, true, false, false, false)).isFalse();
        assertThat(stream.headers().isEmpty()).as("HTTP/2: nothing added, hop-by-hop removed").isTrue();
    }

    private static HttpResponse unframed() {
        return new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    }
}
