package dev.gatehouse.clientcert.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.clientcert.ForwardedClientCert;
import dev.gatehouse.clientcert.Format;
import dev.gatehouse.clientcert.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real nginx terminates a real mutual-TLS handshake on 127.0.0.1 and hands out its
 * {@code $ssl_client_escaped_cert} and {@code $ssl_client_cert} values, and proxies to a real Jetty with
 * the filter. Runs when nginx is installed ({@code .ci/run} installs {@code nginx-light}).
 */
class NginxEscapedCertTest {

    @TempDir
    static Path dir;

    private static Process nginx;
    private static JettyBackend jetty;
    private static int port;
    private static HttpClient client;
    private static TestPki.Held leaf;

    private static Optional<Path> nginxBinary() {
        return Stream.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx")
                .map(Path::of).filter(Files::isExecutable).findFirst();
    }

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> binary = nginxBinary();
        assumeTrue(binary.isPresent(), "nginx is not installed (apt-get install nginx-light)");

        TestPki.Held root = TestPki.selfSigned("CN=Test Root CA", TestPki.ec("secp256r1"), true);
        TestPki.Held server = TestPki.issue(root, "CN=127.0.0.1", TestPki.ec("secp256r1"), false,
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        TestPki.Held intermediate = TestPki.issue(root, "CN=Partner Issuing CA", TestPki.rsa(2048), true);
        leaf = TestPki.issue(intermediate, "CN=partner-client-42,O=Partner Bank,C=DE", TestPki.rsa(2048), false);

        Files.writeString(dir.resolve("server.pem"), pem(server.certificate));
        Files.writeString(dir.resolve("server.key"), TestPki.privateKeyPem(server.keys.getPrivate()));
        Files.writeString(dir.resolve("ca.pem"), pem(root.certificate));

        jetty = JettyBackend.start(JettyBackend.holder(
                ForwardedClientCertFilter.trusting("127.0.0.1/32").withHeader("X-SSL-Client-Cert")));

        port = freePort();
        String conf = String.join("\n",
                "daemon off;",
                "master_process off;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("error.log") + " info;",
                "events { worker_connections 64; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + dir.resolve("body") + ";",
                "  proxy_temp_path " + dir.resolve("proxy") + ";",
                "  fastcgi_temp_path " + dir.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + dir.resolve("uwsgi") + ";",
                "  scgi_temp_path " + dir.resolve("scgi") + ";",
                "  server {",
                "    listen 127.0.0.1:" + port + " ssl;",
                "    ssl_certificate " + dir.resolve("server.pem") + ";",
                "    ssl_certificate_key " + dir.resolve("server.key") + ";",
                "    ssl_client_certificate " + dir.resolve("ca.pem") + ";",
                "    ssl_verify_client on;",
                "    ssl_verify_depth 3;",
                "    location = /escaped { default_type text/plain; return 200 \"$ssl_client_escaped_cert\"; }",
                "    location = /raw { default_type text/plain; return 200 \"$ssl_client_cert\"; }",
                "    location = /whoami {",
                "      proxy_pass http://127.0.0.1:" + jetty.port() + ";",
                "      proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;",
                "    }",
                "  }",
                "}",
                "");
        Path confFile = Files.writeString(dir.resolve("nginx.conf"), conf);
        nginx = new ProcessBuilder(binary.get().toString(), "-p", dir.toString(), "-c", confFile.toString(),
                "-e", dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        awaitListening(port);

        client = HttpClient.newBuilder()
                .sslContext(TestPki.sslContext(leaf.keys.getPrivate(),
                        List.of(leaf.certificate, intermediate.certificate), root.certificate))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
        if (jetty != null) {
            jetty.close();
        }
    }

    private static String get(String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void escapedCertDecodesToTheLeafOfTheHandshake() throws Exception {
        String value = get("/escaped");

        assertThat(value).startsWith("-----BEGIN%20CERTIFICATE-----%0A").endsWith("-----END%20CERTIFICATE-----%0A");
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.format()).isEqualTo(Format.NGINX_ESCAPED_PEM);
        assertThat(decoded.chain()).containsExactly(leaf.certificate);
        assertThat(decoded.leaf().getEncoded()).isEqualTo(leaf.certificate.getEncoded());
        // And our encoder writes exactly what nginx writes.
        assertThat(ForwardedClientCert.encode(Format.NGINX_ESCAPED_PEM, List.of(leaf.certificate))).isEqualTo(value);
    }

    @Test
    void deprecatedTabContinuedCertDecodesToTheSameLeaf() throws Exception {
        String value = get("/raw");
        assertThat(value).startsWith("-----BEGIN CERTIFICATE-----\n\t").contains("\n\t-----END CERTIFICATE-----");
        ForwardedClientCert decoded = ForwardedClientCert.decode(value);
        assertThat(decoded.format()).isEqualTo(Format.PEM);
        assertThat(decoded.chain()).containsExactly(leaf.certificate);
    }

    @Test
    void backendBehindNginxSeesTheCertificateInTheStandardAttribute() throws Exception {
        String body = get("/whoami");
        assertThat(body)
                .contains("remote=127.0.0.1\n")
                .contains("certificates=1\n")
                .contains("subject=CN=partner-client-42,O=Partner Bank,C=DE\n")
                .contains("sha256=" + JettyBackend.sha256(leaf.certificate) + "\n")
                .contains("format=NGINX_ESCAPED_PEM\n");
    }

    private static String pem(X509Certificate certificate) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!nginx.isAlive()) {
                throw new AssertionError("nginx exited with " + nginx.exitValue() + ": "
                        + Files.readString(dir.resolve("nginx.out")) + readIfExists(dir.resolve("error.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nginx did not listen on 127.0.0.1:" + port + ": " + readIfExists(dir.resolve("error.log")));
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
