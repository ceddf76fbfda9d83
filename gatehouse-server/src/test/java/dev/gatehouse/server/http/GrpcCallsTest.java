package dev.gatehouse.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

class GrpcCallsTest {
    @Test
    void grpcTimeoutInEveryUnitRoundedUpToMilliseconds() {
        assertThat(GrpcCalls.timeoutMillis("2H")).isEqualTo(7_200_000L);
        assertThat(GrpcCalls.timeoutMillis("3M")).isEqualTo(180_000L);
        assertThat(GrpcCalls.timeoutMillis("5S")).isEqualTo(5_000L);
        assertThat(GrpcCalls.timeoutMillis("250m")).isEqualTo(250L);
        assertThat(GrpcCalls.timeoutMillis("1500u")).isEqualTo(2L);
        assertThat(GrpcCalls.timeoutMillis("1n")).isEqualTo(1L);
        assertThat(GrpcCalls.timeoutMillis("99999999m")).isEqualTo(99_999_999L);
    }

    @Test
    void malformedGrpcTimeoutsAreIgnored() {
        assertThat(GrpcCalls.timeoutMillis("")).isEqualTo(-1);
        assertThat(GrpcCalls.timeoutMillis("S")).isEqualTo(-1);
        assertThat(GrpcCalls.timeoutMillis("10x")).isEqualTo(-1);
        assertThat(GrpcCalls.timeoutMillis("-1S")).isEqualTo(-1);
        assertThat(GrpcCalls.timeoutMillis("123456789S")).isEqualTo(-1); // nine digits: over the limit
    }

    @Test
    void statusesOfGatehousesOwnAnswers() {
        assertThat(GrpcCalls.status(HttpResponseStatus.BAD_GATEWAY, "target refused the connection")).isEqualTo(14);
        assertThat(GrpcCalls.status(HttpResponseStatus.GATEWAY_TIMEOUT, TargetSide.CONNECT_TIMEOUT)).isEqualTo(14);
        assertThat(GrpcCalls.status(HttpResponseStatus.GATEWAY_TIMEOUT, "target response timeout")).isEqualTo(4);
        assertThat(GrpcCalls.status(HttpResponseStatus.FORBIDDEN, "denied by rule")).isEqualTo(7);
        assertThat(GrpcCalls.status(HttpResponseStatus.BAD_REQUEST, "malformed request")).isEqualTo(13);
    }

    @Test
    void grpcMessageIsPercentEncoded() {
        assertThat(GrpcCalls.percentEncode("50% of calls: fine")).isEqualTo("50%25 of calls: fine");
        assertThat(GrpcCalls.percentEncode("caf\u00e9\n")).isEqualTo("caf%C3%A9%0A");
    }
}
