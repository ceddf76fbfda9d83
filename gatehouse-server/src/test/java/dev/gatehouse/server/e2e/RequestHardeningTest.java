package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.RuleConfig;
import dev.gatehouse.server.config.TargetAddress;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Requests built to make Gatehouse and the target disagree about what was asked (request smuggling,
 * routing bypasses), sent as raw bytes; the target records the exact bytes it receives and parses them
 * as a strict server would.
 */
class RequestHardeningTest {
    static RecordingTarget target;
    static ProxyHarness proxy;
    static ProxyHarness h2proxy;

    @BeforeAll
    static void start() throws Exception {
        target = RecordingTarget.start();
        proxy = ProxyHarness.builder()
                .group("app", target.port())
                .rule(10, host("admin.local"), new ActionConfig.Deny(403))
                .rule(20, ProxyActionsTest.path("/internal/*"), new ActionConfig.Deny(403))
                .defaultAction(ActionConfig.Forward.to("app"))
                .identity(List.of(Map.entry("X-Amzn-Mtls-Clientcert-Subject", "CN=real-client")), "CN=real-client")
                .otherListener(renaming())
                .start();
        h2proxy = ProxyHarness.builder().protocol(ProxyHarness.Protocol.H2C)
                .group("app", target.port())
                .rule(10, host("admin.local"), new ActionConfig.Deny(403))
                .rule(20, ProxyActionsTest.path("/internal/*"), new ActionConfig.Deny(403))
                .defaultAction(ActionConfig.Forward.to("app"))
                .otherListener(renaming())
                .start();
    }

    /** A listener that renames the subject header to X-Client-Subject (stripped on every listener). */
    static ListenerConfig renaming() {
        return new ListenerConfig("other", TargetAddress.of("127.0.0.1", 0), ListenerConfig.ListenerProtocol.HTTP, null,
                new MutualAuthConfig(MutualAuthConfig.MutualAuthMode.OFF, null, false, false,
                        Map.of(IdentityHeader.SUBJECT, "X-Client-Subject"), false, ConfigLocation.synthetic("l2")),
                List.of(), ActionConfig.Forward.to("app"), ListenerTimeouts.DEFAULTS, ConfigLocation.synthetic("l2"));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        h2proxy.close();
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
    void aChunkedBodyWithABadChunkNeverReachesTheTargetAsAWholeRequest() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /a HTTP/1.1\r\nHost: h\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text()).isEqualTo("400 Bad Request: malformed request body\n");
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(seen()).as("the target never saw the body end").isEmpty();
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

    static int status(String requestLine, String headers) throws Exception {
        return RawHttp.exchange(proxy.port(), requestLine + "\r\n" + headers + "Connection: close\r\n\r\n").status();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/./internal/x", "//internal/x", "/foo/../internal/x", "/%69nternal/x", "/%2e/internal/x",
            "/foo/%2E%2e/internal/x", "/internal/./x", "/x/..//internal/y", "http://h/internal/x", "HTTP://H/./internal/x",
            "/internal;jsessionid=1/x", "/internal;a=b;c/x", "/%69nternal;x/y"})
    void denyRulesJudgeTheNormalisedPath(String target) throws Exception {
        assertThat(status("GET " + target + " HTTP/1.1", "Host: h\r\n")).isEqualTo(403);
        assertThat(seen()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/internal%2Fx", "/a/%2f/b", "/a%5Cb", "/a%5cb", "/a%00", "/a\\b", "/..", "/../internal/x",
            "/a/../../internal/x", "/%2E%2E/x", "/a%zz", "/a%4", "/a#frag", "internal/x", "http://other/internal/x",
            "http://user@h/x", "http:///x", "/..;/internal/x", "/a/..;x/internal/x", "/.;/internal/x", "/a/%2e%2e;/internal/x"})
    void refusesTargetsThatCannotBeNormalisedWith400(String target) throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(seen()).isEmpty();
    }

    @Test
    void theTargetReceivesTheNormalisedPathAndTheQueryAsSent() throws Exception {
        assertThat(status("GET /a/./b/../c//d?x=%2e&y=/../ HTTP/1.1", "Host: h\r\n")).isEqualTo(200);
        assertThat(status("GET /%7Euser/caf%c3%a9/ HTTP/1.1", "Host: h\r\n")).isEqualTo(200);
        assertThat(status("GET http://H:8080/abs?q=1 HTTP/1.1", "Host: h:8080\r\n")).isEqualTo(200);
        assertThat(status("GET https://h HTTP/1.1", "Host: h\r\n")).isEqualTo(200);
        List<RecordingTarget.Request> seen = seen();
        assertThat(seen).extracting(RecordingTarget.Request::requestLine).containsExactly(
                "GET /a/c/d?x=%2e&y=/../ HTTP/1.1", "GET /~user/caf%C3%A9/ HTTP/1.1", "GET /abs?q=1 HTTP/1.1",
                "GET / HTTP/1.1");
        assertThat(seen.get(2).headers("host")).containsExactly("H:8080");
        assertThat(seen.get(3).headers("host")).containsExactly("h");
    }

    @Test
    void moreThanOneHostOrNoneInHttp11Gets400() throws Exception {
        assertThat(status("GET /x HTTP/1.1", "Host: app.local\r\nHost: admin.local\r\n")).isEqualTo(400);
        assertThat(status("GET /x HTTP/1.1", "Host: app.local\r\nHost: app.local\r\n")).isEqualTo(400);
        assertThat(status("GET /x HTTP/1.1", "Host: app.local, admin.local\r\n")).isEqualTo(400);
        assertThat(status("GET /x HTTP/1.1", "Host: app.local/../x\r\n")).isEqualTo(400);
        assertThat(status("GET /x HTTP/1.1", "")).isEqualTo(400);
        assertThat(seen()).isEmpty();
        assertThat(status("GET /x HTTP/1.0", "")).isEqualTo(200);
        assertThat(status("GET /x HTTP/1.1", "Host: [::1]:8080\r\n")).isEqualTo(200);
        assertThat(seen()).hasSize(2);
    }

    @Test
    void http2PathsAreNormalisedAndAHostThatDisagreesWithAuthorityIsRefused() throws Exception {
        int port = h2proxy.port();
        assertThat(H2Client.exchange(port, H2Client.request("GET", "/./internal/x", "h"), null, null).status())
                .isEqualTo(403);
        assertThat(H2Client.exchange(port, H2Client.request("GET", "//internal/x", "h"), null, null).status())
                .isEqualTo(403);
        assertThat(H2Client.exchange(port, H2Client.request("GET", "/%69nternal/x", "h"), null, null).status())
                .isEqualTo(403);
        assertThat(H2Client.exchange(port, H2Client.request("GET", "/a/%2f/b", "h"), null, null).status())
                .isEqualTo(400);
        // Netty's stream codec refuses a host that disagrees with :authority before Gatehouse sees the
        // request: the stream is reset (PROTOCOL_ERROR), and nothing reaches the target.
        assertThat(H2Client.exchange(port, H2Client.request("GET", "/x", "app.local").add("host", "admin.local"),
                null, null).status()).isEqualTo(-1);
        assertThat(seen()).isEmpty();
        assertThat(H2Client.exchange(port, H2Client.request("GET", "/a/../b", "app.local").add("host", "APP.local"),
                null, null).status()).isEqualTo(200);
        assertThat(seen()).singleElement().satisfies(req -> {
            assertThat(req.requestLine()).isEqualTo("GET /b HTTP/1.1");
            assertThat(req.headers("host")).containsExactly("app.local");
        });
    }

    static final String FORGED_TRAILERS = "X-Amzn-Mtls-Clientcert-Subject: CN=admin\r\nX-Client-Subject: CN=admin\r\n"
            + "X-Forwarded-Client-Cert: Hash=forged\r\nHost: admin.local\r\nX-Checksum: 1\r\n";

    @Test
    void requestTrailersNeverReachTheTarget() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /t HTTP/1.1\r\nHost: h\r\nTrailer: X-Checksum\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n" + FORGED_TRAILERS + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        List<RecordingTarget.Request> seen = seen();
        assertThat(seen).singleElement().satisfies(req -> {
            assertThat(req.bodyText()).isEqualTo("hello");
            assertThat(req.trailers()).isEmpty();
            assertThat(req.head()).doesNotContain("CN=admin").doesNotContain("forged");
            assertThat(req.headers("x-amzn-mtls-clientcert-subject")).containsExactly("CN=real-client");
        });
    }

    @Test
    void http2RequestTrailersNeverReachTheTarget() throws Exception {
        target.requests.clear();
        H2Client.Response r = H2Client.exchange(h2proxy.port(), H2Client.request("POST", "/t", "h"), "hello",
                new DefaultHttp2Headers().add("x-amzn-mtls-clientcert-subject", "CN=admin")
                        .add("x-client-subject", "CN=admin").add("x-forwarded-client-cert", "Hash=forged"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(seen()).singleElement().satisfies(req -> {
            assertThat(req.bodyText()).isEqualTo("hello");
            assertThat(req.trailers()).isEmpty();
            assertThat(req.head()).doesNotContain("CN=admin").doesNotContain("forged");
        });
    }
}
