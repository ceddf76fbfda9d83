package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.clientcert.Format;
import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.servlet.ForwardedClientCertFilter;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.Processes;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test of "Backend library": {@link ForwardedClientCertFilter} inside a real embedded Jetty
 * (ee10) behind a real Gatehouse, reached by {@code curl} over mutual TLS.
 *
 * <p>Jetty listens on 127.0.0.1 and trusts only 127.0.0.1/32 (the address the gateway connects from).
 * Two contexts, one per header Gatehouse writes:
 * <ul>
 *   <li>{@code /leaf}: the filter reads {@code X-Amzn-Mtls-Clientcert-Leaf}, which a {@code verify}
 *       listener sends;</li>
 *   <li>{@code /chain}: the filter reads {@code X-Amzn-Mtls-Clientcert}, which a {@code passthrough}
 *       listener sends (the whole presented chain).</li>
 * </ul>
 * The servlet only reads the standard attribute {@code jakarta.servlet.request.X509Certificate} and
 * reports each certificate's serial, subject and SHA-256 of the DER, which the test compares with the
 * certificates the client presented. A client that reaches Jetty directly from 127.0.0.2 with a forged
 * header gets no certificate, and neither does one that forges the header through Gatehouse.
 */
class ServletBehindGatehouseTest {
    static final String LEAF_HEADER = "X-Amzn-Mtls-Clientcert-Leaf";
    static final String CHAIN_HEADER = "X-Amzn-Mtls-Clientcert";

    @TempDir
    static Path dir;
    static Server jetty;
    static ServerConnector connector;
    static Gateway gateway;
    static HeldCertificate intermediate;
    static HeldCertificate leaf;
    static HeldCertificate impostor;

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Gatehouse Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost")
                .serverAuth().build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());

        HeldCertificate root = HeldCertificate.builder().subject("CN=Partner Root CA,O=Partners").ca(1).build();
        intermediate = HeldCertificate.builder().subject("CN=Partner Issuing CA,O=Partners").signedBy(root).ca(0).build();
        leaf = HeldCertificate.builder().subject("CN=ops-7,O=Acme\\, Inc.").serial(new BigInteger("00F1E2D3C4", 16))
                .signedBy(intermediate).clientAuth().build();
        leaf.writeTo(dir, "client", intermediate);
        Files.writeString(dir.resolve("partners-ca.pem"), root.certificatePem());
        // Another certificate of the same CA: what a forger would like the backend to believe.
        impostor = HeldCertificate.builder().commonName("admin").signedBy(intermediate).clientAuth().build();

        jetty = new Server();
        connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new ContextHandlerCollection(
                context("/leaf", ForwardedClientCertFilter.trusting("127.0.0.1/32").withHeader(LEAF_HEADER)),
                context("/chain", ForwardedClientCertFilter.trusting("127.0.0.1/32").withHeader(CHAIN_HEADER))));
        jetty.start();

        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: partners }
                    default_action: { forward: jetty }
                  - name: passthrough
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: passthrough }
                    default_action: { forward: jetty }
                trust_stores:
                  partners: { ca_certificates: partners-ca.pem }
                target_groups:
                  jetty:
                    targets: [ "127.0.0.1:%d" ]
                """.formatted(connector.getLocalPort()));
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    static ServletContextHandler context(String path, ForwardedClientCertFilter filter) {
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath(path);
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new WhoAmI()), "/whoami");
        return context;
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (jetty != null) {
            jetty.stop();
        }
    }

    // ---------------------------------------------------------------- through Gatehouse

    @Test
    void verifiedClientCertificateReachesTheServletAsTheStandardAttribute() throws Exception {
        Processes.Result r = throughGatehouse("verify", "/leaf/whoami");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo("remote=127.0.0.1\ncertificates=1\n" + line(0, leaf));
        assertThat(r.stdout()).contains(" serial=F1E2D3C4 ");
    }

    @Test
    void passthroughChainReachesTheServletLeafFirst() throws Exception {
        Processes.Result r = throughGatehouse("passthrough", "/chain/whoami");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo("remote=127.0.0.1\ncertificates=2\n" + line(0, leaf) + line(1, intermediate));
    }

    @Test
    void aHeaderForgedThroughGatehouseIsReplacedByTheCertificateActuallyPresented() throws Exception {
        Processes.Result r = throughGatehouse("verify", "/leaf/whoami", "-H", LEAF_HEADER + ": " + forgedValue());
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("certificates=1\n").contains("sha256=" + sha256(leaf.certificate()))
                .doesNotContain(sha256(impostor.certificate()));
    }

    @Test
    void aHeaderForgedThroughGatehouseWithoutACertificateMeansNoCertificate() throws Exception {
        // Passthrough accepts a client without a certificate; the forged header must not survive.
        List<String> cmd = curl("passthrough", "/chain/whoami", false);
        cmd.addAll(List.of("-H", CHAIN_HEADER + ": " + forgedValue()));
        Processes.Result r = Processes.run(cmd);
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo("remote=127.0.0.1\ncertificates=none\n");
    }

    // ---------------------------------------------------------------- around Gatehouse

    @Test
    void aClientReachingJettyDirectlyFromAnUntrustedAddressGetsNoCertificate() throws Exception {
        for (String[] pathAndHeader : new String[][] {{"/leaf/whoami", LEAF_HEADER}, {"/chain/whoami", CHAIN_HEADER}}) {
            Processes.Result r = Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10",
                    "--interface", "127.0.0.2",
                    "-H", pathAndHeader[1] + ": " + forgedValue(),
                    "http://127.0.0.1:" + connector.getLocalPort() + pathAndHeader[0]));
            assertThat(r.exitCode()).as(r.all()).isZero();
            assertThat(r.stdout()).isEqualTo("remote=127.0.0.2\ncertificates=none\n");
        }
    }

    @Test
    void theSameForgedHeaderFromTheTrustedAddressWouldBeBelieved() throws Exception {
        // The control for the test above: the forged value is well formed, so it is the address alone
        // that made the filter ignore it.
        Processes.Result r = Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10",
                "--interface", "127.0.0.1",
                "-H", LEAF_HEADER + ": " + forgedValue(),
                "http://127.0.0.1:" + connector.getLocalPort() + "/leaf/whoami"));
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("certificates=1\n").contains("sha256=" + sha256(impostor.certificate()));
    }

    // ---------------------------------------------------------------- helpers

    static String forgedValue() {
        return ForwardedClientCert.encode(Format.URL_ENCODED_PEM, List.of(impostor.certificate()));
    }

    static Processes.Result throughGatehouse(String listener, String path, String... extra) throws Exception {
        List<String> cmd = curl(listener, path, true);
        cmd.addAll(List.of(extra));
        return Processes.run(cmd);
    }

    static List<String> curl(String listener, String path, boolean withCertificate) {
        int port = gateway.boundPort(listener);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--fail", "--max-time", "10",
                "--cacert", dir.resolve("server-ca.pem").toString(),
                "--resolve", "localhost:" + port + ":127.0.0.1"));
        if (withCertificate) {
            cmd.addAll(List.of("--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString()));
        }
        cmd.add("https://localhost:" + port + path);
        return cmd;
    }

    /** The servlet's line for a certificate, computed from the certificate the client holds. */
    static String line(int index, HeldCertificate c) {
        return describe(index, c.certificate());
    }

    static String describe(int index, X509Certificate c) {
        return index + " serial=" + c.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT)
                + " subject=" + c.getSubjectX500Principal().getName() + " sha256=" + sha256(c) + "\n";
    }

    static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the application sees: the remote address and the standard certificate attribute, nothing else. */
    static final class WhoAmI extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            StringBuilder body = new StringBuilder("remote=").append(request.getRemoteAddr()).append('\n');
            if (request.getAttribute("jakarta.servlet.request.X509Certificate") instanceof X509Certificate[] chain) {
                body.append("certificates=").append(chain.length).append('\n');
                for (int i = 0; i < chain.length; i++) {
                    body.append(describe(i, chain[i]));
                }
            } else {
                body.append("certificates=none\n");
            }
            response.setContentType("text/plain");
            response.getWriter().write(body.toString());
        }
    }
}
