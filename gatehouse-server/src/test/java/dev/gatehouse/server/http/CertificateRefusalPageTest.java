package dev.gatehouse.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.server.connection.CertificateRefusal;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The 495/496 pages: JSON only for clients that prefer it, markup escaped, no detail of the gateway's files. */
class CertificateRefusalPageTest {
    @Test
    void jsonOnlyWhenAcceptPrefersItToHtml() {
        assertThat(CertificateRefusalPage.prefersJson("application/json")).isTrue();
        assertThat(CertificateRefusalPage.prefersJson("application/*;q=0.9, text/html;q=0.5")).isTrue();
        assertThat(CertificateRefusalPage.prefersJson("text/html,application/xhtml+xml,*/*;q=0.8")).isFalse();
        assertThat(CertificateRefusalPage.prefersJson("*/*")).isFalse();
        assertThat(CertificateRefusalPage.prefersJson("application/json;q=0")).isFalse();
        assertThat(CertificateRefusalPage.prefersJson("text/html;q=0.9, application/json;q=0.5")).isFalse();
        assertThat(CertificateRefusalPage.prefersJson(null)).isFalse();
    }

    @Test
    void pagesNameCodeAndStepButNotTheDetail() {
        CertificateRefusal refusal = new CertificateRefusal(495, "ClientCertExpired", "validity <leaf>",
                "expired; trust store /etc/gatehouse/ca.pem");
        FullHttpResponse html = CertificateRefusalPage.of(refusal, "text/html", "TID_1");
        try {
            assertThat(html.status().code()).isEqualTo(495);
            assertThat(html.status().reasonPhrase()).isEqualTo("SSL Certificate Error");
            assertThat(html.headers().get(HttpHeaderNames.CONTENT_TYPE)).startsWith("text/html");
            String body = html.content().toString(StandardCharsets.UTF_8);
            assertThat(body).contains("ClientCertExpired", "validity &lt;leaf&gt;", "TID_1").doesNotContain("/etc/");
        } finally {
            html.release();
        }
        FullHttpResponse json = CertificateRefusalPage.of(new CertificateRefusal(496, "ClientCertMissing", "parse",
                "no certificate presented"), "application/json", "TID_2");
        try {
            assertThat(json.status().code()).isEqualTo(496);
            assertThat(json.content().toString(StandardCharsets.UTF_8)).isEqualTo("{\"status\":496,\"error\":"
                    + "\"SSL Certificate Required\",\"code\":\"ClientCertMissing\",\"step\":\"parse\",\"trace_id\":\"TID_2\"}\n");
        } finally {
            json.release();
        }
    }
}
