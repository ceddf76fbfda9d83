package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.RuleConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests built to make Gatehouse and the target disagree about what was asked (request smuggling,
 * routing bypasses), sent as raw bytes; the target records the exact bytes it receives and parses them
 * as a strict server would.
 */
class RequestHardeningTest {
    static RecordingTarget target;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        target = RecordingTarget.start();
        proxy = ProxyHarness.builder()
                .group("app", target.port())
                .rule(10, host("admin.local"), new ActionConfig.Deny(403))
                .rule(20, ProxyActionsTest.path("/internal/*"), new ActionConfig.Deny(403))
                .defaultAction(ActionConfig.Forward.to("app"))
                .identity(List.of(Map.entry("X-Amzn-Mtls-Clientcert-Subject", "CN=real-client")), "CN=real-client")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        target.close();
    }

    @BeforeEach
    void forget() {
        target.requests.clear();
    }

    static RuleConfig.Conditions host(String... patterns) {
        return new RuleConfig.Conditions(List.of(patterns), List.of(), List.of(), Map.of(), Map.of(), List.of(), null);
    }

    /** The requests the target saw, once any that would follow the first had time to arrive. */
    static List<RecordingTarget.Request> seen() throws InterruptedException {
        Thread.sleep(300);
        return List.copyOf(target.requests);
    }

    static final String SMUGGLED = "GET /internal/x HTTP/1.1\r\nHost: h\r\n"
            + "X-Amzn-Mtls-Clientcert-Subject: CN=admin\r\n\r\n";

    @Test
    void aConnectionHeaderNamingContentLengthCannotUnframeTheBody() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /a HTTP/1.1\r\nHost: h\r\n"
                + "Content-Length: " + SMUGGLED.length() + "\r\nConnection: content-length\r\n\r\n" + SMUGGLED);
        assertThat(r.status()).isEqualTo(200);
        List<RecordingTarget.Request> seen = seen();
        assertThat(seen).hasSize(1);
        RecordingTarget.Request only = seen.get(0);
        assertThat(only.requestLine()).isEqualTo("POST /a HTTP/1.1");
        assertThat(only.headers("content-length")).containsExactly(Integer.toString(SMUGGLED.length()));
        assertThat(only.headers("transfer-encoding")).isEmpty();
        assertThat(only.bodyText()).isEqualTo(SMUGGLED);
        assertThat(only.headers("x-amzn-mtls-clientcert-subject")).containsExactly("CN=real-client");
    }

    @Test
    void aConnectionHeaderNamingTransferEncodingCannotUnframeAChunkedBody() throws Exception {
        String chunk = Integer.toHexString(SMUGGLED.length()) + "\r\n" + SMUGGLED + "\r\n0\r\n\r\n";
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /a HTTP/1.1\r\nHost: h\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: transfer-encoding, content-length\r\n\r\n" + chunk);
        assertThat(r.status()).isEqualTo(200);
        List<RecordingTarget.Request> seen = seen();
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).headers("transfer-encoding")).containsExactly("chunked");
        assertThat(seen.get(0).headers("content-length")).isEmpty();
        assertThat(seen.get(0).bodyText()).isEqualTo(SMUGGLED);
    }

    @Test
    void aConnectionHeaderNamingHostCannotBypassHostRules() throws Exception {
        assertThat(RawHttp.exchange(proxy.port(), "GET /x HTTP/1.1\r\nHost: admin.local\r\nConnection: close\r\n\r\n")
                .status()).isEqualTo(403);
        RawHttp.Response r = RawHttp.exchange(proxy.port(),
                "GET /x HTTP/1.1\r\nHost: admin.local\r\nConnection: close, host\r\n\r\n");
        assertThat(r.status()).isEqualTo(403);
        assertThat(seen()).isEmpty();
        // Allowed hosts arrive with their Host, whatever Connection names.
        RawHttp.Response ok = RawHttp.exchange(proxy.port(),
                "GET /x HTTP/1.1\r\nHost: app.local\r\nConnection: close, Host\r\n\r\n");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(seen()).singleElement().satisfies(req -> assertThat(req.headers("host")).containsExactly("app.local"));
    }
}
