package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.pki.testing.Tools;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.EchoTarget;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code proxy_protocol: { mode: required }} over real sockets: headers of both versions written by hand
 * (split across writes, IPv4 and IPv6, v2 {@code LOCAL}), and a real HAProxy in TCP mode with
 * {@code send-proxy-v2} and {@code send-proxy} in front of an mTLS listener, the client (curl) on a second
 * loopback address so that its address and HAProxy's differ. The header's address is the client's in the
 * connection log, {@code X-Forwarded-For} and {@code source_ip} rules; an untrusted peer, a missing header
 * and an invalid one are refused, each with its connection-log line.
 */
class ProxyProtocolTest {
    @TempDir
    static Path dir;

    static EchoTarget target;
    static Gateway gateway;
    static Path connectionLog;

    @BeforeAll
    static void start() throws Exception {
        target = EchoTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Proxy Protocol Test CA").ca(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").serverAuth().build();
        server.writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate clientCa = HeldCertificate.builder().commonName("Proxy Protocol Clients").ca(0).build();
        HeldCertificate client = HeldCertificate.builder().commonName("device-1").signedBy(clientCa).clientAuth().build();
        client.writeTo(dir, "client");
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.certificatePem());
        connectionLog = Files.createDirectories(dir.resolve("logs")).resolve("connection.log");
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                name: gw-proxied
                listeners:
                  - name: mtls
                    address: 127.0.0.1:0
                    proxy_protocol: { mode: required, trusted_sources: ["127.0.0.1/32"] }
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: echo }
                  - name: plain
                    address: 127.0.0.1:0
                    protocol: http
                    proxy_protocol: { mode: required, trusted_sources: ["127.0.0.1/32", "::1/128"] }
                    timeouts: { request_head: 1s }
                    rules:
                      - priority: 10
                        when: { source_ip: ["203.0.113.0/24"] }
                        then: { fixed_response: { status: 200, content_type: text/plain, body: "documentation network" } }
                    default_action: { forward: echo }
                  - name: untrusting
                    address: 127.0.0.1:0
                    protocol: http
                    proxy_protocol: { mode: required, trusted_sources: ["10.0.0.0/8"] }
                    default_action: { forward: echo }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  echo: { targets: ["%s"] }
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                """.formatted(target.address()));
        gateway = Gateway.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
    }

    // ---------------------------------------------------------------- headers written by hand

    @Test
    void aVersion1HeaderNamesTheClientInForwardedForAndTheConnectionLog() throws Exception {
        String response = exchange("plain", ascii("PROXY TCP4 198.51.100.7 192.0.2.1 40123 443\r\n"), "/v1");
        assertThat(response).startsWith("HTTP/1.1 200").contains("GET /v1");
        assertThat(target.lastRequest().get("X-Forwarded-For")).containsExactly("198.51.100.7");
        String line = awaitLine("198.51.100.7 40123 ");
        assertThat(line).contains(" " + gateway.boundPort("plain") + " - - - ");
        awaitLineIn(connectionLog.resolveSibling("access.log"), "198.51.100.7:40123", "/v1");
    }

    @Test
    void aVersion2HeaderSentByteByByteNamesAnIpv6Client() throws Exception {
        byte[] header = v2Header(0x21, 0x21, InetAddress.getByName("2001:db8::42"), InetAddress.getByName("2001:db8::1"),
                51234, 443);
        try (Socket s = connect("plain")) {
            OutputStream out = s.getOutputStream();
            for (byte b : header) {
                out.write(b);
                out.flush();
            }
            out.write(ascii("GET /v2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            assertThat(readAll(s)).startsWith("HTTP/1.1 200").contains("GET /v2");
        }
        assertThat(target.lastRequest().get("X-Forwarded-For")).containsExactly("2001:db8:0:0:0:0:0:42");
        awaitLine(" 2001:db8:0:0:0:0:0:42 51234 ");
    }

    @Test
    void sourceIpRulesMatchTheAddressOfTheHeader() throws Exception {
        String response = exchange("plain", ascii("PROXY TCP4 203.0.113.9 192.0.2.1 1000 80\r\n"), "/rule");
        assertThat(response).startsWith("HTTP/1.1 200").endsWith("documentation network");
    }

    @Test
    void aVersion2LocalHeaderIsAcceptedWithThePeersOwnAddress() throws Exception {
        // LOCAL (0x20) with an unspecified family: a balancer's health check.
        byte[] header = v2Header(0x20, 0x00, null, null, 0, 0);
        int before = target.requests().size();
        String response = exchange("plain", header, "/health");
        assertThat(response).startsWith("HTTP/1.1 200").contains("GET /health");
        assertThat(target.requests()).hasSizeGreaterThan(before);
        assertThat(target.lastRequest().get("X-Forwarded-For")).containsExactly("127.0.0.1");
    }

    @Test
    void aConnectionWithoutTheHeaderIsRefusedAndLogged() throws Exception {
        assertRefused(connectionLog, gateway.boundPort("plain"), ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
                "Failed:ProxyProtocolMissing");
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHandshakeTimeout() throws Exception {
        assertRefused(connectionLog, gateway.boundPort("plain"), new byte[0], "Failed:ProxyProtocolMissing");
    }

    @Test
    void anInvalidHeaderIsRefusedAndLogged() throws Exception {
        assertRefused(connectionLog, gateway.boundPort("plain"),
                ascii("PROXY TCP4 not-an-address 192.0.2.1 1 2\r\nGET / HTTP/1.1\r\n\r\n"), "Failed:ProxyProtocolInvalid");
    }

    @Test
    void aHeaderFromAnUntrustedPeerIsRefusedAndLogged() throws Exception {
        // Logged with the peer's own address: the header of an untrusted peer is not read.
        assertRefused(connectionLog, gateway.boundPort("untrusting"),
                ascii("PROXY TCP4 198.51.100.8 192.0.2.1 1 2\r\nGET / HTTP/1.1\r\n\r\n"),
                "Failed:ProxyProtocolUntrustedSource");
    }

    // ---------------------------------------------------------------- a real HAProxy in front

    @Test
    void haproxySendProxyV2AndV1CarryTheClientAddressThroughMutualTls() throws Exception {
        String haproxy = Tools.installed("haproxy") ? "haproxy" : "/usr/sbin/haproxy";
        Tools.assumeInstalled(haproxy);
        int v2 = FreePort.loopback();
        int v1 = FreePort.loopback();
        int upstream = gateway.boundPort("mtls");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                  maxconn 64
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                frontend v2
                  bind 127.0.0.1:%d
                  default_backend gatehouse_v2
                backend gatehouse_v2
                  server gw 127.0.0.1:%d send-proxy-v2
                frontend v1
                  bind 127.0.0.1:%d
                  default_backend gatehouse_v1
                backend gatehouse_v1
                  server gw 127.0.0.1:%d send-proxy
                """.formatted(v2, upstream, v1, upstream));
        Process p = new ProcessBuilder(haproxy, "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start();
        try {
            awaitListening(v2);
            awaitListening(v1);
            for (int port : new int[] {v2, v1}) {
                int clientPort = FreePort.loopback();
                Processes.Result r = Processes.run(List.of("curl", "-sS", "--fail", "--max-time", "10",
                        "--interface", "127.0.0.2", "--local-port", String.valueOf(clientPort),
                        "--cacert", dir.resolve("server-ca.pem").toString(),
                        "--cert", dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString(),
                        "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/through-haproxy"));
                assertThat(r.exitCode()).as(r.all() + Files.readString(dir.resolve("haproxy.out"))).isZero();
                assertThat(r.stdout()).contains("GET /through-haproxy");
                Map<String, List<String>> h = target.lastRequest();
                assertThat(h.get("X-Forwarded-For")).containsExactly("127.0.0.2");
                assertThat(h.get("X-Amzn-Mtls-Clientcert-Subject")).containsExactly("CN=device-1");
                String line = awaitLine(" 127.0.0.2 " + clientPort + " " + upstream + " TLSv1.");
                assertThat(line).contains("\"CN=device-1\"").contains(" Success TID_");
            }
            // Straight to the gateway from 127.0.0.2, an address outside trusted_sources: refused.
            Processes.Result direct = Processes.run(List.of("curl", "-sS", "--max-time", "10", "--interface", "127.0.0.2",
                    "--cacert", dir.resolve("server-ca.pem").toString(),
                    "--resolve", "localhost:" + upstream + ":127.0.0.1", "https://localhost:" + upstream + "/direct"));
            assertThat(direct.exitCode()).isNotZero();
            awaitLine(" 127.0.0.2 ", "Failed:ProxyProtocolUntrustedSource");
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A v2 header: {@code command} 0x21 PROXY / 0x20 LOCAL, {@code family} 0x11 TCP4, 0x21 TCP6, 0x00 none. */
    static byte[] v2Header(int command, int family, InetAddress source, InetAddress destination, int sourcePort,
                           int destinationPort) {
        byte[] addresses = new byte[0];
        if (source != null) {
            byte[] s = source.getAddress();
            byte[] d = destination.getAddress();
            addresses = ByteBuffer.allocate(s.length * 2 + 4).put(s).put(d).putShort((short) sourcePort)
                    .putShort((short) destinationPort).array();
        }
        return ByteBuffer.allocate(16 + addresses.length)
                .put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A})
                .put((byte) command).put((byte) family).putShort((short) addresses.length).put(addresses).array();
    }

    /**
     * Sends {@code bytes} to {@code port} from 127.0.0.1; the gateway closes the connection without a byte
     * and logs it in {@code log} with every TLS field {@code -} and {@code status}.
     */
    static void assertRefused(Path log, int port, byte[] bytes, String status) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            assertThat(readAll(s)).isEmpty();
            awaitLineIn(log, " 127.0.0.1 " + s.getLocalPort() + " " + port + " - - - - - - " + status + " ");
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static Socket connect(String listener) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", gateway.boundPort(listener)), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** The header, then one request; the whole response. */
    static String exchange(String listener, byte[] header, String path) throws IOException {
        try (Socket s = connect(listener)) {
            OutputStream out = s.getOutputStream();
            out.write(header);
            out.write(ascii("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
            out.flush();
            return readAll(s);
        }
    }

    /** Everything until the gateway closes (a reset counts as the end). */
    static String readAll(Socket s) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                all.write(buf, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // closed by the gateway with data unread: the end all the same
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** The connection-log line that contains every one of {@code parts}, waiting for the log writer. */
    static String awaitLine(String... parts) throws Exception {
        return awaitLineIn(connectionLog, parts);
    }

    /** The line of {@code log} that contains every one of {@code parts}, waiting for the log writer. */
    static String awaitLineIn(Path log, String... parts) throws Exception {
        Path connectionLog = log;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> lines = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(connectionLog) ? Files.readAllLines(connectionLog) : List.of();
            for (String line : lines) {
                boolean all = true;
                for (String part : parts) {
                    all &= line.contains(part);
                }
                if (all) {
                    return line;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no connection-log line with " + List.of(parts) + " in " + lines);
    }

    static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("nothing listens on " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

}
