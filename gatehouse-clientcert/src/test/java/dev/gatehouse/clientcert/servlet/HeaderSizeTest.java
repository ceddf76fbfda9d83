package dev.gatehouse.clientcert.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.Format;
import dev.gatehouse.clientcert.TestPki;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.Test;

/**
 * The numbers behind the README's header-size section: an RSA-4096 chain in one header passes the
 * 8 KiB request-head limit that Jetty and Tomcat use by default; Jetty answers 431 until the limit is raised.
 */
class HeaderSizeTest {

    @Test
    void rsa4096ChainExceedsTheDefaultLimitUntilItIsRaised() throws Exception {
        KeyPair rsa4096 = TestPki.rsa(4096);
        // A typical enterprise profile: key identifiers, CRL distribution point, AIA, a policy.
        TestPki.Held root = TestPki.issueTypical(null, "CN=Example Root CA,O=Example Corporation,C=US", rsa4096, true);
        TestPki.Held policy = TestPki.issueTypical(root, "CN=Example Policy CA,O=Example Corporation,C=US", rsa4096, true);
        TestPki.Held issuing = TestPki.issueTypical(policy, "CN=Example Issuing CA 01,O=Example Corporation,C=US", rsa4096, true);
        TestPki.Held leaf = TestPki.issueTypical(issuing, "CN=partner-api-client,O=Partner Bank,C=DE", rsa4096, false);
        List<X509Certificate> chain = List.of(leaf.certificate, issuing.certificate, policy.certificate, root.certificate);

        List<Integer> sizes = new ArrayList<>();
        for (int n = 1; n <= chain.size(); n++) {
            sizes.add(ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain.subList(0, n)).length());
        }
        System.out.println("X-Amzn-Mtls-Clientcert bytes for an RSA-4096 chain of 1..4 certificates: " + sizes);
        for (Format f : Format.values()) {
            System.out.println(f + " bytes for the 4-certificate chain: " + ForwardedClientCert.encode(f, chain).length());
        }
        String value = ForwardedClientCert.encode(Format.URL_ENCODED_PEM, chain);
        assertThat(value.length()).isGreaterThan(8 * 1024);

        HttpClient client = new HttpClient();
        client.setBindAddress(new InetSocketAddress("127.0.0.1", 0));
        client.setMaxRequestHeadersSize(256 * 1024);
        client.start();
        try {
            try (JettyBackend defaults = JettyBackend.start(JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1/32")))) {
                ContentResponse response = client.newRequest(defaults.url()).headers(h -> h.put("X-Amzn-Mtls-Clientcert", value))
                        .timeout(10, TimeUnit.SECONDS).send();
                assertThat(response.getStatus()).isEqualTo(431);
            }
            try (JettyBackend raised = JettyBackend.start(
                    JettyBackend.holder(ForwardedClientCertFilter.trusting("127.0.0.1/32")), 64 * 1024)) {
                ContentResponse response = client.newRequest(raised.url()).headers(h -> h.put("X-Amzn-Mtls-Clientcert", value))
                        .timeout(10, TimeUnit.SECONDS).send();
                assertThat(response.getStatus()).isEqualTo(200);
                assertThat(response.getContentAsString()).contains("certificates=4\n")
                        .contains("subject=CN=partner-api-client,O=Partner Bank,C=DE\n");
            }
        } finally {
            client.stop();
        }
    }
}
