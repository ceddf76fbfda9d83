package dev.gatehouse.clientcert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example values each format's documentation gives decode to the certificates they show. The
 * certificates are RFC 9440 Appendix A's; each format's example is built the way its documentation
 * defines the format, by plain string operations on the appendix PEM (not by our encoder).
 */
class DocumentedExamplesTest {

    private static final List<X509Certificate> APPENDIX_CHAIN = parseWithJdk(Rfc9440Example.CHAIN_PEM);

    private static List<X509Certificate> parseWithJdk(String pem) {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertAppendixChain(List<X509Certificate> chain) {
        assertThat(chain).hasSize(3).containsExactlyElementsOf(APPENDIX_CHAIN);
        X509Certificate leaf = chain.get(0);
        assertThat(leaf.getSerialNumber()).isEqualTo(BigInteger.valueOf(7));
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=BC");
        assertThat(leaf.getIssuerX500Principal().getName()).isEqualTo("CN=LA Intermediate CA,O=Let's Authenticate");
        assertThat(chain.get(2).getSubjectX500Principal().getName())
                .isEqualTo("CN=Let's Authenticate Root Authority,O=Let's Authenticate,C=US");
    }

    @Test
    void rfc9440ClientCertAndChainFromAppendixA() {
        ForwardedClientCert leafOnly = ForwardedClientCert.decode(Rfc9440Example.CLIENT_CERT);
        assertThat(leafOnly.format()).isEqualTo(Format.RFC9440);
        assertThat(leafOnly.chain()).containsExactly(APPENDIX_CHAIN.get(0));

        ForwardedClientCert both = ForwardedClientCert.decodeRfc9440(
                Rfc9440Example.CLIENT_CERT, Rfc9440Example.CLIENT_CERT_CHAIN);
        assertAppendixChain(both.chain());
        assertThat(both.leaf().getSerialNumber()).isEqualTo(BigInteger.valueOf(7));
    }

    @Test
    void rfc9440EncoderWritesTheAppendixValues() {
        assertThat(ForwardedClientCert.encode(Format.RFC9440, APPENDIX_CHAIN)).isEqualTo(Rfc9440Example.CLIENT_CERT);
        assertThat(ForwardedClientCert.encodeRfc9440Chain(APPENDIX_CHAIN)).contains(Rfc9440Example.CLIENT_CERT_CHAIN);
    }

    @Test
    void pemFromAppendixA() {
        ForwardedClientCert decoded = ForwardedClientCert.decode(Rfc9440Example.CHAIN_PEM);
        assertThat(decoded.format()).isEqualTo(Format.PEM);
        assertAppendixChain(decoded.chain());
        assertThat(ForwardedClientCert.encode(Format.PEM, APPENDIX_CHAIN)).isEqualTo(Rfc9440Example.CHAIN_PEM);
    }

    @Test
    void nginxTabContinuedPem() {
        // $ssl_client_cert: the PEM without its final LF, every line after the first prefixed with a TAB.
        String pem = Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64);
        String tabbed = pem.substring(0, pem.length() - 1).replace("\n", "\n\t");
        ForwardedClientCert decoded = ForwardedClientCert.decode(tabbed);
        assertThat(decoded.format()).isEqualTo(Format.PEM);
        assertThat(decoded.chain()).containsExactly(APPENDIX_CHAIN.get(0));
    }

    @Test
    void loadBalancerUrlEncodedPem() {
        // The definition: the PEM with space as %20 and LF as %0A; + = / literal.
        String value = Rfc9440Example.CHAIN_PEM.replace(" ", "%20").replace("\n", "%0A");
        assertThat(value).startsWith("-----BEGIN%20CERTIFICATE-----%0AMIIBqDCC")
                .endsWith("-----END%20CERTIFICATE-----%0A").contains("+", "/", "=").doesNotContain(" ", "\n");

        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.format()).isEqualTo(Format.URL_ENCODED_PEM);
        assertAppendixChain(decoded.chain());
        assertThat(ForwardedClientCert.decode(Format.URL_ENCODED_PEM, value)).isEqualTo(decoded);
    }

    @Test
    void nginxEscapedPem() {
        // ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT): all but A-Z a-z 0-9 - . _ ~ escaped, upper-case hex.
        String leafPem = Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64);
        StringBuilder value = new StringBuilder();
        for (char c : leafPem.toCharArray()) {
            boolean unreserved = Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0;
            value.append(unreserved ? String.valueOf(c) : String.format("%%%02X", (int) c));
        }
        ForwardedClientCert decoded = ForwardedClientCert.decode(value.toString());
        assertThat(decoded.format()).isEqualTo(Format.NGINX_ESCAPED_PEM);
        assertThat(decoded.chain()).containsExactly(APPENDIX_CHAIN.get(0));
        assertThat(ForwardedClientCert.encode(Format.NGINX_ESCAPED_PEM, APPENDIX_CHAIN.subList(0, 1)))
                .isEqualTo(value.toString());
    }

    @Test
    void traefikBase64DerJoinedByComma() {
        String value = Rfc9440Example.LEAF_BASE64 + "," + Rfc9440Example.INTERMEDIATE_BASE64 + ","
                + Rfc9440Example.ROOT_BASE64;
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.format()).isEqualTo(Format.TRAEFIK);
        assertAppendixChain(decoded.chain());
        assertThat(ForwardedClientCert.encode(Format.TRAEFIK, APPENDIX_CHAIN)).isEqualTo(value);
    }

    @Test
    void envoyDocumentationExamplesWithoutCertificates() {
        // The three examples of Envoy's x-forwarded-client-cert documentation.
        List<XfccElement> one = XfccElement.parseAll("By=http://frontend.lyft.com;"
                + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;"
                + "Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com");
        assertThat(one).hasSize(1);
        assertThat(one.get(0).by()).containsExactly("http://frontend.lyft.com");
        assertThat(one.get(0).hash()).contains("468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688");
        assertThat(one.get(0).subject()).contains("/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client");
        assertThat(one.get(0).uris()).containsExactly("http://testclient.lyft.com");
        assertThat(one.get(0).certificates()).isEmpty();

        List<XfccElement> two = XfccElement.parseAll("By=http://frontend.lyft.com;"
                + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com,"
                + "By=http://backend.lyft.com;"
                + "Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;URI=http://frontend.lyft.com");
        assertThat(two).extracting(e -> e.by().get(0))
                .containsExactly("http://frontend.lyft.com", "http://backend.lyft.com");
        assertThat(two.get(1).uris()).containsExactly("http://frontend.lyft.com");

        List<XfccElement> dns = XfccElement.parseAll("By=http://frontend.lyft.com;"
                + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;"
                + "Subject=\"/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client\";URI=http://testclient.lyft.com;"
                + "DNS=lyft.com;DNS=www.lyft.com");
        assertThat(dns.get(0).dns()).containsExactly("lyft.com", "www.lyft.com");

        // Without Cert or Chain there is no certificate to decode, and the error says how to get one.
        assertThatThrownBy(() -> ForwardedClientCert.decode("By=http://frontend.lyft.com;"
                + "Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com"))
                .isInstanceOf(ForwardedClientCertException.class)
                .hasMessageContaining("no Cert or Chain")
                .hasMessageContaining("set_current_client_cert_details");
    }

    @Test
    void envoyCertAndChainInTheDocumentedEncoding() throws Exception {
        // Envoy: PEM with \n, space, +, /, = replaced by %0A, %20, %2B, %2F, %3D; Hash is the leaf's SHA-256.
        String leafPem = Rfc9440Example.pem(Rfc9440Example.LEAF_BASE64);
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Base64.getDecoder().decode(Rfc9440Example.LEAF_BASE64)));
        String value = "By=spiffe://cluster.local/ns/default/sa/frontend;Hash=" + hash
                + ";Cert=\"" + envoyEscape(leafPem) + "\";Chain=\"" + envoyEscape(Rfc9440Example.CHAIN_PEM)
                + "\";Subject=\"CN=BC\";DNS=bdc.example.com";
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.format()).isEqualTo(Format.ENVOY_XFCC);
        assertAppendixChain(decoded.chain());
        assertThat(decoded.xfccElements()).hasSize(1);
        assertThat(decoded.xfccElements().get(0).cert()).contains(APPENDIX_CHAIN.get(0));
        assertThat(decoded.xfccElements().get(0).by()).containsExactly("spiffe://cluster.local/ns/default/sa/frontend");
    }

    static String envoyEscape(String pem) {
        return pem.replace("\n", "%0A").replace(" ", "%20").replace("+", "%2B").replace("/", "%2F").replace("=", "%3D");
    }
}
