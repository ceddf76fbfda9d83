package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.testing.EchoTarget;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.GatewayProcess;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway in a process of its own under continuous mutual-TLS load (new connections and keep-alive
 * ones, HTTP/1.1 and HTTP/2), reloaded over and over by every trigger and kind of change: its server
 * certificate rotated by a Kubernetes symlink swap, its CRL replaced, a rule added, a listener added and
 * removed, a broken configuration, a real SIGHUP. Not one request may fail, and the process's resident
 * memory ends within 10% of where it was before the reloads.
 */
class ReloadUnderLoadTest {
    private static final int CYCLES = 3;

    @TempDir
    Path dir;

    HeldCertificate serverCa;
    HeldCertificate clientRoot;
    HeldCertificate loader;
    EchoTarget target;
    GatewayProcess gateway;
    Path config;
    MountedSecret secret;
    int extraPort;
    int rules;
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong succeeded = new AtomicLong();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    final List<Thread> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        running.set(false);
        for (Thread t : clients) {
            t.join(20_000);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @Test
    void reloadsOfEveryKindUnderLoadFailNoRequestAndGiveTheirMemoryBack() throws Exception {
        serverCa = HeldCertificate.builder().commonName("Load Test Server CA").ca(0).build();
        clientRoot = HeldCertificate.builder().commonName("Load Test Client CA").ca(0).build();
        loader = HeldCertificate.builder().commonName("loader").signedBy(clientRoot).clientAuth().build();
        Files.writeString(dir.resolve("clients-ca.pem"), clientRoot.certificatePem());
        writeAtomically(dir.resolve("clients.crl"), crlRevoking());
        secret = new MountedSecret(dir.resolve("server"));
        rotateServerCertificate();
        target = EchoTarget.start();
        extraPort = FreePort.loopback();
        config = dir.resolve("gatehouse.yaml");
        Files.createDirectories(dir.resolve("logs"));
        writeAtomically(config, yaml(0, false));
        gateway = GatewayProcess.start(config, List.of("-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch",
                "-Dio.netty.leakDetection.level=paranoid"));
        int port = gateway.port("api");
        SSLContext tls = TlsClients.context(loader, serverCa.certificate());

        for (int i = 0; i < 2; i++) {
            clients.add(client("keep-alive-" + i, () -> keepAliveClient(tls, port)));
            clients.add(client("new-connections-" + i, () -> newConnectionClient(tls, port)));
        }
        clients.add(client("http2", () -> http2Client(tls, port)));
        clients.forEach(Thread::start);
        long generation = 1;

        // Warm-up: the load, and one cycle of every kind of reload, so that the baseline holds the JIT's code
        // and every class a reload loads.
        Thread.sleep(3_000);
        generation = cycle(port, generation);
        Thread.sleep(1_000);
        assertThat(gateway.leaks()).isZero();
        long rssBefore = gateway.rss();
        long requestsBefore = succeeded.get();

        int reloads = 0;
        for (int i = 0; i < CYCLES; i++) {
            generation = cycle(port, generation);
            reloads += 7;
            System.out.printf("cycle %d: rss %d MiB, %s%n", i, gateway.rss() >> 20, gateway.memory());
        }
        assertThat(reloads).isGreaterThanOrEqualTo(20);
        assertThat(gateway.logs()).contains("reload failed; still serving configuration generation")
                .contains(config + ":").contains("YAML syntax error");
        Thread.sleep(1_000);
        long requestsDuring = succeeded.get() - requestsBefore;

        running.set(false);
        for (Thread t : clients) {
            t.join(20_000);
        }
        assertThat(failures).as("failed requests (of %d)", succeeded.get()).isEmpty();
        assertThat(requestsDuring).as("requests served during the reloads").isGreaterThan(200);
        Thread.sleep(1_000);
        assertThat(gateway.leaks()).isZero();
        long rssAfter = gateway.rss();
        System.out.printf("%d reloads under load: %d requests, none failed; rss %d MiB before, %d MiB after; %s%n",
                reloads, requestsDuring, rssBefore >> 20, rssAfter >> 20, gateway.generation());
        assertThat(rssAfter).as("resident memory after the reloads (before: %d MiB)", rssBefore >> 20)
                .isLessThanOrEqualTo(rssBefore + rssBefore / 10);
        assertThat(gateway.generation().liveStates()).as("states still held (the HTTP/2 client's connection)")
                .isLessThanOrEqualTo(2);
    }

    /**
     * Seven reloads, one of each kind (plus a failed one), each awaited: certificate rotation, CRL, a rule,
     * a listener added then removed, a broken file then its repair, a SIGHUP.
     *
     * @return the generation serving afterwards
     */
    private long cycle(int port, long generation) throws Exception {
        rotateServerCertificate();
        generation = awaitGeneration(generation + 1);
        writeAtomically(dir.resolve("clients.crl"), crlRevoking(BigInteger.valueOf(1000 + generation)));
        generation = awaitGeneration(generation + 1);
        writeAtomically(config, yaml(++rules, false));
        generation = awaitGeneration(generation + 1);
        assertThat(probe(port, "/rule-" + rules)).isEqualTo("rule " + rules);
        writeAtomically(config, yaml(rules, true));
        generation = awaitGeneration(generation + 1);
        assertThat(RawHttp.exchange(extraPort, "GET /extra HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        writeAtomically(config, yaml(rules, false));
        generation = awaitGeneration(generation + 1);
        LiveReloadTest.assertRefused(extraPort);
        Files.writeString(config, yaml(rules, false) + "  broken: [\n"); // in place, not renamed
        awaitFailedReload(generation);
        writeAtomically(config, yaml(rules, false));
        generation = awaitGeneration(generation + 1);
        gateway.signal("HUP");
        return awaitGeneration(generation + 1);
    }

    // ------------------------------------------------------------------------------------ clients

    private interface Load {
        void run() throws Exception;
    }

    private Thread client(String name, Load load) {
        Thread t = new Thread(() -> {
            try {
                load.run();
            } catch (Exception e) {
                failures.add(name + ": " + e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }

    private void keepAliveClient(SSLContext tls, int port) throws Exception {
        while (running.get()) {
            try (RawHttp c = new RawHttp(TlsClients.connect(tls, port))) {
                for (int i = 0; i < 200 && running.get(); i++) {
                    c.send("GET /load HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    RawHttp.Response r = c.read(false);
                    record(r.status(), "keep-alive");
                    if ("close".equalsIgnoreCase(r.header("connection"))) {
                        break; // a reload retired the connection's state: reconnect to the new one
                    }
                    Thread.sleep(5);
                }
            } catch (IOException e) {
                failures.add("keep-alive: " + e);
            }
        }
    }

    private void newConnectionClient(SSLContext tls, int port) throws Exception {
        while (running.get()) {
            try (RawHttp c = new RawHttp(TlsClients.connect(tls, port))) {
                c.send("GET /new HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
                record(c.read(false).status(), "new connection");
            } catch (IOException e) {
                failures.add("new connection: " + e);
            }
            Thread.sleep(5);
        }
    }

    private void http2Client(SSLContext tls, int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/h2"))
                .timeout(Duration.ofSeconds(20)).build();
        while (running.get()) {
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                record(r.statusCode(), "http2 (" + r.version() + ")");
            } catch (IOException e) {
                failures.add("http2: " + e);
            }
            Thread.sleep(5);
        }
    }

    private void record(int status, String who) {
        if (status == 200) {
            succeeded.incrementAndGet();
        } else {
            failures.add(who + ": status " + status);
        }
    }

    // ------------------------------------------------------------------------------------ changes

    private long awaitGeneration(long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        GatewayProcess.Generation g;
        do {
            g = gateway.generation();
            if (g.generation() == expected && g.lastReloadSucceeded()) {
                return expected;
            }
            assertThat(g.generation()).as("generation (expected %d)", expected).isLessThanOrEqualTo(expected);
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("generation " + expected + " not reached: " + g + "; log:\n" + gateway.logs());
    }

    private void awaitFailedReload(long generation) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        GatewayProcess.Generation g;
        do {
            g = gateway.generation();
            if (!g.lastReloadSucceeded()) {
                assertThat(g.generation()).isEqualTo(generation);
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the broken configuration was not tried: " + g);
    }

    private String yaml(int rules, boolean extraListener) {
        StringBuilder r = new StringBuilder();
        for (int i = 1; i <= rules; i++) {
            r.append("      - { priority: ").append(i).append(", when: { path: [\"/rule-").append(i)
                    .append("\"] }, then: { fixed_response: { status: 200, body: \"rule ").append(i).append("\" } } }\n");
        }
        String extra = !extraListener ? "" : """
                  - name: extra
                    address: 127.0.0.1:%d
                    protocol: http
                    default_action: { forward: app }
                """.formatted(extraPort);
        return """
                name: load-test
                listeners:
                  - name: api
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server/tls.crt, private_key: server/tls.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    rules:
                %s    default_action: { forward: app }
                %strust_stores:
                  clients:
                    ca_certificates: clients-ca.pem
                    revocation_lists: [ clients.crl ]
                target_groups:
                  app:
                    targets: [ "%s" ]
                    health_check: { path: /health, interval: 1s, timeout: 500ms }
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                """.formatted(r.length() == 0 ? "      []\n" : r, extra, target.address())
                .replace("    rules:\n      []\n", "    rules: []\n");
    }

    private String crlRevoking(BigInteger... serials) {
        return HeldCertificate.crlPem(HeldCertificate.crl(clientRoot, Duration.ofDays(1), serials));
    }

    /** A new server certificate (same CA), installed as Kubernetes updates a mounted Secret. */
    private void rotateServerCertificate() throws IOException {
        secret.updateTls(HeldCertificate.builder().commonName("localhost").signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build(), serverCa);
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        LiveReloadTest.writeAtomically(file, content);
    }

    private String probe(int port, String path) throws Exception {
        SSLContext tls = TlsClients.context(loader, serverCa.certificate());
        try (SSLSocket s = TlsClients.connect(tls, port); RawHttp c = new RawHttp(s)) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            return c.read(false).text();
        }
    }
}
