package dev.gatehouse.clientcert.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.Format;
import dev.gatehouse.clientcert.TestPki;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The filter inside a real Jetty, reached by a real HTTP client over real sockets: trusted proxy
 * 127.0.0.1/32; the untrusted client binds its socket to 127.0.0.2.
 */
class ForwardedClientCertFilterJettyTest {

    private static List<X509Certificate> chain;
    private static HttpClient trustedClient;
    private static HttpClient untrustedClient;

    @BeforeAll
    static void setUp() throws Exception {
        TestPki.Held root = TestPki.selfSigned("CN=Partner Root CA", TestPki.ec("secp256r1"), true);
        TestPki.Held intermediate = TestPki.issue(root, "CN=Partner Issuing CA", TestPki.ec("secp256r1"), true);
        TestPki.Held leaf = TestPki.issue(intermediate, "CN=ops-7,O=Acme", TestPki.rsa(2048), false);
        chain = List.of(leaf.certificate, intermediate.certificate);
        trustedClient = client("127.0.0.1");
        untrustedClient = client("127.0.0.2");
    }

    private static HttpClient client(String bindAddress) throws Exception {
        HttpClient client = new HttpClient();
        client.setBindAddress(new InetSocketAddress(bindAddress, 0));
        client.setMaxRequestHeadersSize(256 * 1024);
        client.start();
        return client;
    }

    @AfterAll
    static void tearDown() throws Exception {
        trustedClient.stop();
        untrustedClient.stop();
    }

    private static ContentResponse get(HttpClient client, String url, String header, String value) throws Exception {
        var request = client.newRequest(url).timeout(10, TimeUnit.SECONDS);
        if (value != null) {
            request.headers(h -> h.put(header, value));
        }
        return request.send();
    }

    @Test
    void trustedProxyHeaderBecomesTheStandardAttribute() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1/32")))) {
            String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain);
            ContentResponse response = get(trustedClient, backend.url(), "X-Amzn-Mtls-Clientcert", value);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getContentAsString())
                    .contains("remote=127.0.0.1\n")
                    .contains("certificates=2\n")
                    .contains("subject=CN=ops-7,O=Acme\n")
                    .contains("sha256=" + JettyBackend.sha256(chain.get(0)) + "\n")
                    .contains("format=URL_ENCODED_PEM\n")
                    .contains("header=present\n");
        }
    }

    @Test
    void untrustedAddressGetsNoCertificateAndTheHeaderIsHidden() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1/32")))) {
            String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain);
            ContentResponse response = get(untrustedClient, backend.url(), "X-Amzn-Mtls-Clientcert", value);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getContentAsString())
                    .contains("remote=127.0.0.2\n")
                    .contains("certificates=none\n")
                    .contains("header=absent\n");
        }
    }

    @Test
    void trustedProxyWithoutHeaderMeansNoCertificate() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.0/8")))) {
            ContentResponse response = get(trustedClient, backend.url(), "X-Amzn-Mtls-Clientcert", null);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getContentAsString()).contains("certificates=none\n").contains("header=absent\n");
        }
    }

    @Test
    void malformedHeaderFromTrustedProxyIsRejectedWith400() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1")))) {
            String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain).replace("%0A", "%0Z");
            ContentResponse response = get(trustedClient, backend.url(), "X-Amzn-Mtls-Clientcert", value);
            assertThat(response.getStatus()).isEqualTo(400);
            assertThat(response.getContentAsString()).doesNotContain("certificates=");
        }
    }

    @Test
    void repeatedHeaderIsRejectedUnlessTheFormatIsAList() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1/32")))) {
            String pem = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain);
            ContentResponse twice = trustedClient.newRequest(backend.url()).headers(h -> h
                    .add("X-Amzn-Mtls-Clientcert", pem).add("X-Amzn-Mtls-Clientcert", pem))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(twice.getStatus()).isEqualTo(400);
        }
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(
                ForwardedClientCertFilter.trusting("127.0.0.1/32").withFormat(Format.ENVOY_XFCC)))) {
            // Two XFCC field lines are one list: the certificate is the last element's.
            ContentResponse hops = trustedClient.newRequest(backend.url()).headers(h -> h
                    .add("X-Forwarded-Client-Cert", ForwardedClientCert.encode(Format.ENVOY_XFCC, chain.subList(1, 2)))
                    .add("X-Forwarded-Client-Cert", ForwardedClientCert.encode(Format.ENVOY_XFCC, chain)))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(hops.getStatus()).isEqualTo(200);
            assertThat(hops.getContentAsString()).contains("certificates=2\n").contains("subject=CN=ops-7,O=Acme\n");
        }
    }

    @Test
    void webXmlStyleInitParametersSelectFormatAndHeader() throws Exception {
        Map<String, String> params = Map.of(
                ForwardedClientCertFilter.PARAM_TRUSTED_PROXIES, "10.0.0.0/8, 127.0.0.1/32",
                ForwardedClientCertFilter.PARAM_FORMAT, "envoy-xfcc");
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(params))) {
            String value = ForwardedClientCert.encode(Format.ENVOY_XFCC, chain);
            ContentResponse trusted = get(trustedClient, backend.url(), "X-Forwarded-Client-Cert", value);
            assertThat(trusted.getContentAsString())
                    .contains("certificates=2\n").contains("format=ENVOY_XFCC\n").contains("subject=CN=ops-7,O=Acme\n");
            ContentResponse untrusted = get(untrustedClient, backend.url(), "X-Forwarded-Client-Cert", value);
            assertThat(untrusted.getContentAsString()).contains("certificates=none\n");
        }
    }

    @Test
    void rfc9440ReadsBothHeaders() throws Exception {
        try (JettyBackend backend = JettyBackend.start(JettyBackend.holder(
                ForwardedClientCertFilter.trusting("127.0.0.1/32").withFormat(Format.RFC9440)))) {
            ContentResponse response = trustedClient.newRequest(backend.url()).headers(h -> h
                    .put("Client-Cert", ForwardedClientCert.encode(Format.RFC9440, chain))
                    .put("Client-Cert-Chain", ForwardedClientCert.encodeRfc9440Chain(chain).orElseThrow()))
                    .timeout(10, TimeUnit.SECONDS).send();
            assertThat(response.getContentAsString()).contains("certificates=2\n").contains("format=RFC9440\n");
        }
    }
}
