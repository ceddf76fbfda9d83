package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.config.ActionConfig;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.IdentityHeader;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.config.ListenerTimeouts;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.config.TargetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What reaches the target: method, path, query, body, and the header policy (strip, hop-by-hop, X-Forwarded-*). */
class ProxyForwardingTest {
    static ProxyTargets.Http target;
    static ProxyHarness proxy;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        target = ProxyTargets.Http.start("a");
        // Another listener renames the subject header: its name is stripped on this listener too.
        ListenerConfig other = new ListenerConfig("other", TargetAddress.of("127.0.0.1", 0),
                ListenerConfig.ListenerProtocol.HTTP, null,
                new MutualAuthConfig(MutualAuthConfig.MutualAuthMode.OFF, null, false, false,
                        Map.of(IdentityHeader.SUBJECT, "X-Client-Subject"), false, ConfigLocation.synthetic("l2")),
                List.of(), ActionConfig.Forward.to("app"), ListenerTimeouts.DEFAULTS, ConfigLocation.synthetic("l2"));
        proxy = ProxyHarness.builder()
                .group("app", target.port())
                .defaultAction(ActionConfig.Forward.to("app"))
                .otherListener(other)
                .identity(List.of(Map.entry("X-Amzn-Mtls-Clientcert-Subject", "CN=real-client,O=Acme"),
                        Map.entry("X-Amzn-Mtls-Clientcert-Serial-Number", "03A5B1")), "CN=real-client,O=Acme")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        target.close();
    }

    @Test
    void forwardsMethodPathQueryHeadersAndBody() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(proxy.url("/a/b?x=1&y=%20z")))
                .header("X-Custom", "hello").POST(HttpRequest.BodyPublishers.ofString("the body")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-target")).hasValue("a");
        assertThat(r.body()).startsWith("POST /a/b?x=1&y=%20z\n");
        assertThat(r.body()).contains("x-custom: hello\n").endsWith("\n\nthe body");
        assertThat(r.body()).contains("host: 127.0.0.1:" + proxy.port());
    }

    @Test
    void addsForwardedHeadersAppendingToAClientsXForwardedFor() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET /xff HTTP/1.1\r\nHost: h\r\n"
                + "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: spoofed\r\nX-Forwarded-Port: 1\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n")
                .contains("x-forwarded-proto: http\n")
                .contains("x-forwarded-port: " + proxy.port() + "\n")
                .doesNotContain("spoofed");
    }

    @Test
    void stripsEverySpoofableIdentityHeaderInAnyCaseAndWithUnderscores() throws Exception {
        String[] spoofed = {
                "x-amzn-mtls-clientcert", "X-AMZN-MTLS-CLIENTCERT-LEAF", "x_amzn_mtls_clientcert_subject",
                "X-Amzn_Mtls-Clientcert_Issuer", "x-amzn-mtls-clientcert-validity", "X-Amzn-Mtls-Clientcert-Serial-Number",
                "x-client-subject", "X_CLIENT_SUBJECT", "x-forwarded-client-cert", "Client-Cert", "client_cert_chain",
                "X-Forwarded-Tls-Client-Cert", "x-forwarded-tls-client-cert-info", "X-SSL-Client-Cert", "x_ssl_cert"};
        StringBuilder req = new StringBuilder("GET /strip HTTP/1.1\r\nHost: h\r\nConnection: close\r\n");
        for (String s : spoofed) {
            req.append(s).append(": forged-by-client\r\n");
        }
        RawHttp.Response r = RawHttp.exchange(proxy.port(), req.append("\r\n").toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).doesNotContain("forged-by-client");
        // Only Gatehouse's own identity headers arrive.
        assertThat(r.text()).contains("x-amzn-mtls-clientcert-subject: CN=real-client,O=Acme\n")
                .contains("x-amzn-mtls-clientcert-serial-number: 03A5B1\n");
    }

    @Test
    void aConnectionHeaderCannotRemoveGatehousesOwnHeaders() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET /conn HTTP/1.1\r\nHost: h\r\n"
                + "Connection: close, X-Amzn-Mtls-Clientcert-Subject, X-Forwarded-For, x-forwarded-proto\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("x-amzn-mtls-clientcert-subject: CN=real-client,O=Acme\n")
                .contains("x-forwarded-for: 127.0.0.1\n").contains("x-forwarded-proto: http\n");
    }

    @Test
    void removesHopByHopHeadersAndTheHeadersConnectionNames() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET /hop HTTP/1.1\r\nHost: h\r\n"
                + "Connection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-T\r\nX-Kept: yes\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("x-kept: yes\n");
        assertThat(r.text().toLowerCase()).doesNotContain("x-secret-hop").doesNotContain("keep-alive: timeout")
                .doesNotContain("proxy-connection").doesNotContain("\nte:").doesNotContain("\ntrailer:");
    }

    @Test
    void chunkedRequestBodiesAreReframed() throws Exception {
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "POST /chunked HTTP/1.1\r\nHost: h\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).endsWith("\n\nhello world");
    }

    @Test
    void keepsTheClientConnectionAliveAndAnswersPipelinedRequestsInOrder() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "POST /three HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(c.read(false).text()).startsWith("GET /one\n");
            assertThat(c.read(false).text()).startsWith("GET /two\n");
            assertThat(c.read(false).text()).startsWith("POST /three\n").endsWith("\n\nabc");
            c.send("GET /four HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read(false).text()).startsWith("GET /four\n");
        }
    }

    @Test
    void headHasNoBody() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("HEAD /download/100 HTTP/1.1\r\nHost: h\r\n\r\n");
            RawHttp.Response r = c.read(true);
            assertThat(r.status()).isEqualTo(200);
            c.send("GET /after-head HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(c.read(false).text()).startsWith("GET /after-head\n");
        }
    }

    @Test
    void aHeaderLineOver16KibGets431AndAHeadOver64KibToo() throws Exception {
        String big = "a".repeat(17 * 1024);
        RawHttp.Response r = RawHttp.exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(431);
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < 10; i++) {
            many.append("X-H").append(i).append(": ").append("b".repeat(8 * 1024)).append("\r\n");
        }
        RawHttp.Response r2 = RawHttp.exchange(proxy.port(), many.append("\r\n").toString());
        assertThat(r2.status()).isEqualTo(431);
        // 15 KiB lines, 60 KiB in all: accepted.
        StringBuilder ok = new StringBuilder("GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n");
        for (int i = 0; i < 4; i++) {
            ok.append("X-H").append(i).append(": ").append("c".repeat(15 * 1024)).append("\r\n");
        }
        assertThat(RawHttp.exchange(proxy.port(), ok.append("\r\n").toString()).status()).isEqualTo(200);
    }

    @Test
    void relaysExpect100Continue() throws Exception {
        try (RawHttp c = new RawHttp(proxy.port())) {
            c.send("POST /expect HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response interim = c.read(false);
            assertThat(interim.status()).isEqualTo(100);
            c.send("ping");
            RawHttp.Response r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).endsWith("\n\nping");
        }
    }
}
