package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protocol: tls_passthrough} over real sockets: two JDK TLS servers with certificates of their own
 * behind one listener; curl and {@code openssl s_client} with each server name reach that server and see
 * its certificate (the gateway terminates nothing); a name no rule matches goes to {@code default_action},
 * or is closed and logged where there is none; a group with {@code proxy_protocol: v2} gets a header its
 * target parses, naming the client's address and port; a group whose targets refuse is logged.
 */
class TlsPassthroughTest {
    @TempDir
    static Path dir;

    static TlsTarget alpha;
    static TlsTarget beta;
    static Gateway gateway;
    static Path connectionLog;
    static java.net.Socket dead;
    static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Passthrough Test CA").ca(0).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        alpha = TlsTarget.start("alpha", HeldCertificate.builder().commonName("alpha.test").addSanDns("alpha.test")
                .signedBy(ca).serverAuth().build(), false);
        beta = TlsTarget.start("beta", HeldCertificate.builder().commonName("beta.test").addSanDns("beta.test")
                .addSanDns("other.test").signedBy(ca).serverAuth().build(), true);
        dead = FreePort.refusing();
        deadPort = dead.getLocalPort();
        connectionLog = Files.createDirectories(dir.resolve("logs")).resolve("connection.log");
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                name: gw-l4
                listeners:
                  - name: router
                    address: 127.0.0.1:0
                    protocol: tls_passthrough
                    rules:
                      - when: { sni: ["alpha.test"] }
                        then: { forward: alpha }
                      - when: { sni: ["BETA.test"] }
                        then: { forward: beta }
                      - when: { sni: ["dead.test"] }
                        then: { forward: dead }
                    default_action: { forward: alpha }
                  - name: strict
                    address: 127.0.0.1:0
                    protocol: tls_passthrough
                    rules:
                      - when: { sni: ["*.test"] }
                        then: { forward: beta }
                      - when: { sni: ["alpha.example"] }
                        then: { forward: alpha }
                  - name: behind-balancer
                    address: 127.0.0.1:0
                    protocol: tls_passthrough
                    proxy_protocol: { mode: required, trusted_sources: ["127.0.0.1/32"] }
                    default_action: { forward: beta }
                target_groups:
                  alpha: { targets: ["127.0.0.1:%d"] }
                  beta: { targets: ["127.0.0.1:%d"], proxy_protocol: v2 }
                  dead: { targets: ["127.0.0.1:%d"] }
                logs:
                  connection: logs/connection.log
                """.formatted(alpha.port(), beta.port(), deadPort));
        gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (dead != null) {
            dead.close();
        }
        if (alpha != null) {
            alpha.close();
        }
        if (beta != null) {
            beta.close();
        }
    }

    @Test
    void eachServerNameReachesItsGroupsServerWithThatServersCertificate() throws Exception {
        int port = gateway.boundPort("router");
        assertThat(curl("alpha.test", port, "/a").stdout()).startsWith("alpha /a");
        assertThat(curl("beta.test", port, "/b").stdout()).startsWith("beta /b");
        assertThat(certificateSubject("alpha.test", port)).contains("CN=alpha.test").doesNotContain("beta");
        assertThat(certificateSubject("beta.test", port)).contains("CN=beta.test");
        String line = ProxyProtocolTest.awaitLineIn(connectionLog, " " + port + " - - - - - - - TID_");
        assertThat(line).contains(" gw-l4 127.0.0.1:0");
    }

    @Test
    void anUnknownServerNameGoesToTheDefaultAction() throws Exception {
        int port = gateway.boundPort("router");
        // beta's certificate also names other.test: curl accepts whoever answers, the body says who it was.
        Processes.Result r = curlInsecure("other.test", port, "/unknown");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).startsWith("alpha /unknown");
    }

    @Test
    void anUnknownServerNameWithoutDefaultActionIsClosedAndLogged() throws Exception {
        int port = gateway.boundPort("strict");
        int clientPort = FreePort.loopback();
        Processes.Result r = Processes.run(List.of("curl", "-sS", "--max-time", "10", "--local-port",
                String.valueOf(clientPort), "--cacert", dir.resolve("ca.pem").toString(),
                "--resolve", "unknown.example:" + port + ":127.0.0.1", "https://unknown.example:" + port + "/"));
        assertThat(r.exitCode()).as(r.all()).isNotZero();
        ProxyProtocolTest.awaitLineIn(connectionLog, " 127.0.0.1 " + clientPort + " " + port
                + " - - - - - - Failed:PassthroughNoRoute ");
    }

    @Test
    void aGroupWithProxyProtocolV2SendsTheClientsAddressToItsTarget() throws Exception {
        int port = gateway.boundPort("strict");
        int clientPort = FreePort.loopback();
        Processes.Result r = Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10", "--local-port",
                String.valueOf(clientPort), "--cacert", dir.resolve("ca.pem").toString(),
                "--resolve", "beta.test:" + port + ":127.0.0.1", "https://beta.test:" + port + "/proxied"));
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).isEqualTo("beta /proxied from 127.0.0.1:" + clientPort + " to 127.0.0.1:" + port);
    }

    @Test
    void theAddressOfAnIncomingProxyHeaderIsPassedOnToTheTarget() throws Exception {
        int port = gateway.boundPort("behind-balancer");
        try (Socket raw = new Socket("127.0.0.1", port)) {
            raw.setSoTimeout(10_000);
            raw.getOutputStream().write("PROXY TCP4 198.51.100.20 192.0.2.10 40444 443\r\n".getBytes(StandardCharsets.US_ASCII));
            try (SSLSocket tls = (SSLSocket) trustingCa().getSocketFactory().createSocket(raw, "beta.test", port, false)) {
                tls.getOutputStream().write("GET /chained HTTP/1.1\r\nHost: beta.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String response = new String(tls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(response).endsWith("beta /chained from 198.51.100.20:40444 to 127.0.0.1:" + port);
            }
        }
        ProxyProtocolTest.awaitLineIn(connectionLog, " 198.51.100.20 40444 " + port + " - - - - - - - TID_");
    }

    @Test
    void aGroupWhoseTargetsRefuseIsLogged() throws Exception {
        int port = gateway.boundPort("router");
        int clientPort = FreePort.loopback();
        Processes.Result r = Processes.run(List.of("curl", "-sS", "--max-time", "10", "--local-port",
                String.valueOf(clientPort), "-k", "--resolve", "dead.test:" + port + ":127.0.0.1",
                "https://dead.test:" + port + "/"));
        assertThat(r.exitCode()).isNotZero();
        ProxyProtocolTest.awaitLineIn(connectionLog, " 127.0.0.1 " + clientPort + " " + port
                + " - - - - - - Failed:PassthroughTargetUnavailable ");
    }

    @Test
    void bytesThatAreNotTlsAreClosedAndLogged() throws Exception {
        ProxyProtocolTest.assertRefused(connectionLog, gateway.boundPort("router"),
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "Failed:UnmappedConnectionError");
    }

    @Test
    void aLargeBodyIsRelayedBothWaysIntact() throws Exception {
        int port = gateway.boundPort("router");
        try (SSLSocket s = (SSLSocket) trustingCa().getSocketFactory().createSocket("127.0.0.1", port)) {
            javax.net.ssl.SSLParameters params = s.getSSLParameters();
            params.setServerNames(List.of(new javax.net.ssl.SNIHostName("alpha.test")));
            s.setSSLParameters(params);
            s.setSoTimeout(20_000);
            byte[] body = new byte[8 * 1024 * 1024];
            new java.util.Random(7).nextBytes(body);
            OutputStream out = s.getOutputStream();
            out.write(("PUT /echo HTTP/1.1\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread writer = new Thread(() -> {
                try {
                    out.write(body);
                    out.flush();
                } catch (IOException ignored) {
                    // the assertion below reports it
                }
            });
            writer.start();
            byte[] echoed = s.getInputStream().readNBytes(body.length);
            writer.join(20_000);
            assertThat(Arrays.equals(echoed, body)).as("the echoed body is the body sent").isTrue();
        }
    }

    // ---------------------------------------------------------------- helpers

    static Processes.Result curl(String name, int port, String path) throws Exception {
        Processes.Result r = Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10", "--cacert",
                dir.resolve("ca.pem").toString(), "--resolve", name + ":" + port + ":127.0.0.1",
                "https://" + name + ":" + port + path));
        assertThat(r.exitCode()).as(r.all()).isZero();
        return r;
    }

    /** A client context that trusts the test CA. */
    static SSLContext trustingCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(dir.resolve("ca.pem"))) {
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    static Processes.Result curlInsecure(String name, int port, String path) throws Exception {
        return Processes.run(List.of("curl", "-sS", "-k", "--max-time", "10", "--resolve",
                name + ":" + port + ":127.0.0.1", "https://" + name + ":" + port + path));
    }

    /** The subject of the certificate {@code openssl s_client} receives for {@code serverName}. */
    static String certificateSubject(String serverName, int port) throws Exception {
        return certificateSubjectVia(dir.resolve("ca.pem"), serverName, port);
    }

    /** The same, with the CA {@code openssl} verifies against. */
    static String certificateSubjectVia(Path ca, String serverName, int port) throws Exception {
        Processes.Result r = Processes.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", serverName, "-CAfile", ca.toString(), "-verify_return_error"), "Q\n", 20);
        assertThat(r.stdout()).as(r.all()).contains("Verify return code: 0 (ok)");
        return r.stdout().lines().filter(l -> l.startsWith("subject=")).findFirst().orElseThrow().replace(" ", "");
    }

    /**
     * A TLS server with a certificate of its own answering every request with its name and the path (and,
     * with {@code expectProxyHeader}, the addresses of the PROXY protocol v2 header it read first, parsed
     * here by hand); a {@code PUT /echo} gets its body back. One thread per connection.
     */
    static final class TlsTarget implements AutoCloseable {
        private final ServerSocket server;
        private final ExecutorService threads = Executors.newCachedThreadPool();

        private TlsTarget(ServerSocket server) {
            this.server = server;
        }

        static TlsTarget start(String name, HeldCertificate certificate, boolean expectProxyHeader) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("key", certificate.keyPair().getPrivate(), new char[0], new Certificate[] {certificate.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            TlsTarget t = new TlsTarget(server);
            t.threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket raw = server.accept();
                        t.threads.execute(() -> serve(name, context, raw, expectProxyHeader));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            return t;
        }

        private static void serve(String name, SSLContext context, Socket raw, boolean expectProxyHeader) {
            try (raw) {
                raw.setSoTimeout(20_000);
                String proxied = "";
                if (expectProxyHeader) {
                    proxied = " " + readProxyHeader(new DataInputStream(raw.getInputStream()));
                }
                try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, null, false)) {
                    tls.setUseClientMode(false);
                    InputStream in = tls.getInputStream();
                    String head = readHead(in);
                    String[] requestLine = head.split(" ", 3);
                    OutputStream out = tls.getOutputStream();
                    if (requestLine[0].equals("PUT")) {
                        int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                        byte[] buf = new byte[16384];
                        for (int left = length, n; left > 0 && (n = in.read(buf, 0, Math.min(buf.length, left))) > 0; left -= n) {
                            out.write(buf, 0, n);
                        }
                        out.flush();
                        return;
                    }
                    byte[] body = (name + " " + requestLine[1] + proxied).getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                // the client sees the connection end; its assertions say what was missing
            }
        }

        /** A v2 header: signature, version/command, family, length, then IPv4 or IPv6 addresses and ports. */
        private static String readProxyHeader(DataInputStream in) throws IOException {
            byte[] signature = new byte[12];
            in.readFully(signature);
            if (!Arrays.equals(signature, new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A})) {
                return "no-proxy-header";
            }
            int command = in.readUnsignedByte();
            int family = in.readUnsignedByte();
            byte[] rest = new byte[in.readUnsignedShort()];
            in.readFully(rest);
            if (command != 0x21) {
                return "command-" + command;
            }
            int size = family == 0x11 ? 4 : 16;
            InetAddress source = InetAddress.getByAddress(Arrays.copyOfRange(rest, 0, size));
            InetAddress destination = InetAddress.getByAddress(Arrays.copyOfRange(rest, size, 2 * size));
            int sourcePort = ((rest[2 * size] & 0xff) << 8) | (rest[2 * size + 1] & 0xff);
            int destinationPort = ((rest[2 * size + 2] & 0xff) << 8) | (rest[2 * size + 3] & 0xff);
            return "from " + source.getHostAddress() + ":" + sourcePort + " to " + destination.getHostAddress() + ":"
                    + destinationPort;
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b; matched < 4 && (b = in.read()) >= 0; ) {
                head.write(b);
                matched = (b == '\r' || b == '\n') && (matched % 2 == 0 ? b == '\r' : b == '\n') ? matched + 1 : 0;
            }
            return head.toString(StandardCharsets.US_ASCII);
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }
}
