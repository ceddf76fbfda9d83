package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.reload.ReloadResult;
import dev.gatehouse.server.testing.CapturedLog;
import dev.gatehouse.server.testing.FreePort;
import dev.gatehouse.server.testing.NamedTarget;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reload over real sockets: file changes noticed by the watcher (a CRL replaced by
 * write-then-rename, a server certificate rotated by Kubernetes' {@code ..data} symlink swap), debouncing,
 * {@code reload.watch_files: false}, open connections judged again (revocation, expiry at notAfter),
 * listeners added, moved and removed, failures that keep the old state serving, and hundreds of reloads
 * that leave no state, log file or thread behind.
 */
class LiveReloadTest {
    /** The contract: a change is noticed within 2 s; the rest is slack for two busy shared cores. */
    private static final long NOTICE_MILLIS = 2_000;
    private static final long SLACK_MILLIS = 1_500;

    @TempDir
    Path dir;

    HeldCertificate serverCa;
    HeldCertificate clientRoot;
    HeldCertificate alice;
    HeldCertificate bob;
    GatedTarget target;
    Gateway gateway;
    Path config;
    MountedSecret secret;

    @BeforeEach
    void pki() throws Exception {
        serverCa = HeldCertificate.builder().commonName("Reload Test Server CA").ca(0).build();
        clientRoot = HeldCertificate.builder().commonName("Reload Test Client CA").ca(0).build();
        alice = HeldCertificate.builder().commonName("alice").signedBy(clientRoot).clientAuth().build();
        bob = HeldCertificate.builder().commonName("bob").signedBy(clientRoot).clientAuth().build();
        Files.writeString(dir.resolve("clients-ca.pem"), clientRoot.certificatePem());
        writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(HeldCertificate.crl(clientRoot, Duration.ofDays(1))));
        secret = new MountedSecret(dir.resolve("server"));
        rotateServerCertificate(serverCertificate(BigInteger.ONE));
        target = GatedTarget.start();
        config = dir.resolve("gatehouse.yaml");
        Files.createDirectories(dir.resolve("logs"));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        target.close();
    }

    // ------------------------------------------------------------------------------------ revocation

    @Test
    void aCrlThatRevokesAConnectedClientRefusesItsHandshakesWithinTwoSecondsAndClosesItsConnectionAfterItsRequest()
            throws Exception {
        start(yaml("", ""));
        SSLContext aliceTls = TlsClients.context(alice, serverCa.certificate());
        try (RawHttp keepAlive = new RawHttp(TlsClients.connect(aliceTls, port("api")))) {
            keepAlive.send(get("/first"));
            RawHttp.Response first = keepAlive.read(false);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("connection")).isNull();

            keepAlive.send(get("/slow"));
            assertThat(target.arrived.tryAcquire(10, TimeUnit.SECONDS)).as("the slow request reached the target").isTrue();

            long changed = System.nanoTime();
            writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                    HeldCertificate.crl(clientRoot, Duration.ofDays(1), alice.certificate().getSerialNumber())));
            awaitTrue(Duration.ofSeconds(10), () -> refusedAsRevoked(aliceTls), "alice's new handshakes are refused");
            long noticedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed);
            assertThat(noticedMillis).as("revocation noticed after %d ms", noticedMillis)
                    .isLessThanOrEqualTo(NOTICE_MILLIS + SLACK_MILLIS);
            assertThat(requestStatus(TlsClients.context(bob, serverCa.certificate()), "/bob")).isEqualTo(200);

            awaitTrue(Duration.ofSeconds(10), () -> gateway.connectionsClosedByJudging() >= 1,
                    "the open connection was judged again");
            target.release.countDown();
            RawHttp.Response inFlight = keepAlive.read(false);
            assertThat(inFlight.status()).as("the request in flight finishes").isEqualTo(200);
            assertThat(inFlight.header("connection")).isEqualToIgnoringCase("close");
            assertThat(keepAlive.closedByPeer()).as("then the connection closes").isTrue();
        }
        String line = awaitLogLine(dir.resolve("logs/access.log"), "\"/slow\"");
        assertThat(line).endsWith("\"connection closed: client certificate no longer accepted: ClientCertCrlHit\"");
        awaitTrue(Duration.ofSeconds(10), () -> gateway.judgedConnections() == 0, "closed connections are forgotten");
    }

    @Test
    void anIdleConnectionWhoseCaLeftTheTrustStoreIsClosedAtOnce() throws Exception {
        start(yaml("", ""));
        try (RawHttp idle = new RawHttp(TlsClients.connect(TlsClients.context(bob, serverCa.certificate()), port("api")))) {
            idle.send(get("/before"));
            assertThat(idle.read(false).status()).isEqualTo(200);
            HeldCertificate otherRoot = HeldCertificate.builder().commonName("Another Client CA").ca(0).build();
            writeAtomically(dir.resolve("clients-ca.pem"), otherRoot.certificatePem());
            writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(HeldCertificate.crl(otherRoot, Duration.ofDays(1))));
            idle.socket().setSoTimeout(10_000);
            assertThat(idle.closedByPeer()).as("closed without waiting for a request").isTrue();
        }
        assertThat(gateway.generation()).as("the CA and its CRL were one reload").isEqualTo(2);
        assertThat(gateway.connectionsClosedByJudging()).isEqualTo(1);
    }

    @Test
    void aConnectionVerifiedUnderAServerNamesPolicyIsJudgedAgainUnderThatPolicy() throws Exception {
        // The listener itself asks for no certificate; the name partners.test verifies.
        start(yaml("", """
                  - name: named
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server/tls.crt, private_key: server/tls.key } ] }
                    server_names:
                      - names: ["partners.test"]
                        mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: app }
                """));
        SSLSocket socket = (SSLSocket) TlsClients.context(bob, serverCa.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", port("named"));
        javax.net.ssl.SSLParameters sni = socket.getSSLParameters();
        sni.setServerNames(List.of(new javax.net.ssl.SNIHostName("partners.test")));
        sni.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(sni);
        socket.startHandshake();
        try (RawHttp idle = new RawHttp(socket)) {
            idle.send("GET /before HTTP/1.1\r\nHost: partners.test\r\n\r\n");
            assertThat(idle.read(false).status()).isEqualTo(200);
            HeldCertificate otherRoot = HeldCertificate.builder().commonName("Another Client CA").ca(0).build();
            writeAtomically(dir.resolve("clients-ca.pem"), otherRoot.certificatePem());
            writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(HeldCertificate.crl(otherRoot, Duration.ofDays(1))));
            idle.socket().setSoTimeout(10_000);
            assertThat(idle.closedByPeer()).as("closed: bob's CA left the trust store of partners.test").isTrue();
        }
        assertThat(gateway.connectionsClosedByJudging()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRevokedClientsHttp2ConnectionGetsGoawayAndItsOpenStreamFinishes() throws Exception {
        start(yaml("", ""));
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1,
                NioIoHandler.newFactory());
        try {
            SslContext tls = SslContextBuilder.forClient()
                    .keyManager(alice.keyPair().getPrivate(), alice.certificate())
                    .trustManager(serverCa.certificate())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                    .build();
            CompletableFuture<Long> goaway = new CompletableFuture<>();
            Channel ch = http2Client(loop, tls, "127.0.0.1", port("api"), goaway);
            CompletableFuture<Integer> status = new CompletableFuture<>();
            Http2StreamChannel stream =
                    new Http2StreamChannelBootstrap(ch)
                            .handler(new ChannelInboundHandlerAdapter() {
                                int code;

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    if (msg instanceof Http2HeadersFrame h
                                            && h.headers().status() != null) {
                                        code = Integer.parseInt(h.headers().status().toString());
                                    }
                                    if (msg instanceof Http2StreamFrame f
                                            && (f instanceof Http2HeadersFrame h2 && h2.isEndStream()
                                            || f instanceof Http2DataFrame d && d.isEndStream())) {
                                        status.complete(code);
                                    }
                                    ReferenceCountUtil.release(msg);
                                }
                            }).open().sync().getNow();
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(
                    new DefaultHttp2Headers().method("GET").scheme("https")
                            .path("/slow").authority("localhost"), true));
            assertThat(target.arrived.tryAcquire(10, TimeUnit.SECONDS)).as("the stream reached the target").isTrue();

            writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                    HeldCertificate.crl(clientRoot, Duration.ofDays(1), alice.certificate().getSerialNumber())));
            assertThat(goaway.get(10, TimeUnit.SECONDS)).as("GOAWAY with NO_ERROR").isZero();
            target.release.countDown();
            assertThat(status.get(10, TimeUnit.SECONDS)).as("the open stream finishes").isEqualTo(200);
            assertThat(ch.closeFuture().await(10, TimeUnit.SECONDS)).as("then the connection closes").isTrue();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertThat(awaitLogLine(dir.resolve("logs/access.log"), "\"/slow\""))
                .contains("HTTP/2.0").endsWith("\"connection closed: client certificate no longer accepted: ClientCertCrlHit\"");
    }

    @Test
    void aConnectionIsClosedWhenItsCertificateExpiresWithoutAnyReload() throws Exception {
        start(yaml("", ""));
        Instant notAfter = Instant.now().plusSeconds(4);
        HeldCertificate shortLived = HeldCertificate.builder().commonName("short-lived").signedBy(clientRoot)
                .clientAuth().validity(Instant.now().minusSeconds(3600), notAfter).build();
        try (RawHttp c = new RawHttp(TlsClients.connect(TlsClients.context(shortLived, serverCa.certificate()), port("api")))) {
            c.send(get("/before-expiry"));
            assertThat(c.read(false).status()).isEqualTo(200);
            c.socket().setSoTimeout(15_000);
            assertThat(c.closedByPeer()).as("the idle connection is closed once the certificate expired").isTrue();
            assertThat(Instant.now()).as("not before its notAfter").isAfter(notAfter);
        }
        assertThat(gateway.generation()).as("no reload was involved").isEqualTo(1);
        assertThat(gateway.connectionsClosedByJudging()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------ watching

    @Test
    void aServerCertificateRotatedByAKubernetesSymlinkSwapServesNewConnectionsWhileOpenOnesDrain() throws Exception {
        start(yaml("", ""));
        SSLContext bobTls = TlsClients.context(bob, serverCa.certificate());
        try (SSLSocket before = TlsClients.connect(bobTls, port("api")); RawHttp open = new RawHttp(before)) {
            assertThat(TlsClients.serverCertificate(before).getSerialNumber()).isEqualTo(BigInteger.ONE);
            long changed = System.nanoTime();
            rotateServerCertificate(serverCertificate(BigInteger.TWO));
            awaitTrue(Duration.ofSeconds(10), () -> servedSerial(bobTls).equals(BigInteger.TWO),
                    "new connections get the new certificate");
            long noticedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed);
            assertThat(noticedMillis).as("rotation noticed after %d ms", noticedMillis)
                    .isLessThanOrEqualTo(NOTICE_MILLIS + SLACK_MILLIS);
            open.send(get("/still-open"));
            RawHttp.Response r = open.read(false);
            assertThat(r.status()).as("a connection on the old certificate is still served").isEqualTo(200);
            assertThat(r.header("connection")).as("then drains").isEqualToIgnoringCase("close");
            assertThat(open.closedByPeer()).isTrue();
        }
        assertThat(awaitLogLine(dir.resolve("logs/access.log"), "\"/still-open\""))
                .endsWith("\"connection closed: configuration reloaded\"");
        assertThat(gateway.generation()).isEqualTo(2);
    }

    @Test
    void aKeepAliveConnectionGetsOneMoreAnswerByItsOwnRulesThenCloseSoThatItsClientReconnectsToTheNewOnes()
            throws Exception {
        start(yaml(rule(10, "/rule", "version one"), ""));
        SSLContext bobTls = TlsClients.context(bob, serverCa.certificate());
        try (RawHttp open = new RawHttp(TlsClients.connect(bobTls, port("api")))) {
            open.send(get("/rule"));
            assertThat(open.read(false).text()).isEqualTo("version one");
            Files.writeString(config, yaml(rule(10, "/rule", "version two"), ""));
            assertThat(gateway.reload().success()).isTrue();
            open.send(get("/rule"));
            RawHttp.Response r = open.read(false);
            assertThat(r.text()).as("the connection's own state answers").isEqualTo("version one");
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(open.closedByPeer()).isTrue();
        }
        assertThat(requestBody("/rule")).as("a new connection gets the new rules").isEqualTo("version two");
        awaitTrue(Duration.ofSeconds(10), () -> gateway.liveStates() == 1, "the old state is released");
    }

    @Test
    void aCaWritingItsCrlAndItsBundleCausesOneReload() throws Exception {
        start(yaml("", ""));
        writeAtomically(dir.resolve("clients.crl"), HeldCertificate.crlPem(
                HeldCertificate.crl(clientRoot, Duration.ofDays(2), bob.certificate().getSerialNumber())));
        Thread.sleep(100);
        writeAtomically(dir.resolve("clients-ca.pem"), clientRoot.certificatePem() + serverCa.certificatePem());
        awaitTrue(Duration.ofSeconds(10), () -> gateway.generation() == 2, "the changes were reloaded");
        Thread.sleep(1_500);
        assertThat(gateway.generation()).as("one reload for both files").isEqualTo(2);
    }

    @Test
    void watchFilesFalseLeavesChangesToSighupAndTheReloadCall() throws Exception {
        start(yaml("", "") + "reload: { watch_files: false }\n");
        assertThat(gateway.watchedFiles()).isEmpty();
        Files.writeString(config, yaml(rule(10, "/new", "added"), "") + "reload: { watch_files: false }\n");
        Thread.sleep(2 * NOTICE_MILLIS);
        assertThat(gateway.generation()).as("nothing reloaded by itself").isEqualTo(1);
        assertThat(requestBody("/new")).startsWith("ok");

        ReloadResult r = gateway.reload();
        assertThat(r.success()).as(String.valueOf(r.error())).isTrue();
        assertThat(r.generation()).isEqualTo(2);
        assertThat(requestBody("/new")).isEqualTo("added");
    }

    @Test
    void theWatchedFilesAreTheConfigAndEveryFileItNames() throws Exception {
        start(yaml("", ""));
        assertThat(gateway.watchedFiles()).containsExactlyInAnyOrder(
                config.toAbsolutePath().normalize(),
                dir.resolve("server/tls.crt").toAbsolutePath().normalize(),
                dir.resolve("server/tls.key").toAbsolutePath().normalize(),
                dir.resolve("clients-ca.pem").toAbsolutePath().normalize(),
                dir.resolve("clients.crl").toAbsolutePath().normalize());
    }

    // ------------------------------------------------------------------------------------ failures

    @Test
    void aBrokenYamlLeavesTheOldRulesServingAndLogsTheFileAndLine() throws Exception {
        start(yaml(rule(10, "/rule", "version one"), ""));
        assertThat(requestBody("/rule")).isEqualTo("version one");
        try (CapturedLog logged = CapturedLog.of(Gateway.class)) {
            Files.writeString(config, yaml(rule(10, "/rule", "version two"), "") + "  broken: [\n");
            ReloadResult r = gateway.reload();
            assertThat(r.success()).isFalse();
            assertThat(r.generation()).isEqualTo(1);
            int brokenLine = (int) yaml(rule(10, "/rule", "version two"), "").lines().count() + 1;
            assertThat(r.error()).startsWith(config + ":");
            int line = Integer.parseInt(r.error().substring(config.toString().length() + 1).split(":")[0]);
            assertThat(line).as(r.error()).isBetween(brokenLine, brokenLine + 1);
            assertThat(r.error()).contains("<yaml>").contains("YAML syntax error");
            assertThat(requestBody("/rule")).as("the old rules still serve").isEqualTo("version one");
            assertThat(logged.messages(Level.ERROR)).anySatisfy(m ->
                    assertThat(m).contains(config.toString() + ":").contains("YAML syntax error"));
        }
        Files.writeString(config, yaml(rule(10, "/rule", "version two"), ""));
        assertThat(gateway.reload().success()).isTrue();
        assertThat(requestBody("/rule")).isEqualTo("version two");
        assertThat(gateway.reloads(false)).as("failed reloads are counted").isEqualTo(1);
        assertThat(gateway.reloads(true)).isEqualTo(1);
    }

    @Test
    void anAddressThatCannotBeBoundFailsTheReloadAndTheOldStateServes() throws Exception {
        start(yaml(rule(10, "/rule", "version one"), ""));
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Files.writeString(config, yaml(rule(10, "/rule", "version two"), plainListener("extra", taken.getLocalPort())));
            ReloadResult r = gateway.reload();
            assertThat(r.success()).isFalse();
            assertThat(r.error()).contains("listeners[1].address").contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(requestBody("/rule")).isEqualTo("version one");
        assertThat(gateway.liveStates()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------ listeners

    @Test
    void listenersAreAddedMovedAndRemovedAndARemovedOneDrains() throws Exception {
        start(yaml("", ""));
        int first = FreePort.loopback();
        Files.writeString(config, yaml("", plainListener("extra", first)));
        assertThat(gateway.reload().success()).isTrue();
        assertThat(RawHttp.exchange(first, get("/added")).status()).isEqualTo(200);

        int moved = FreePort.loopback();
        Files.writeString(config, yaml("", plainListener("extra", moved)));
        assertThat(gateway.reload().success()).isTrue();
        assertThat(RawHttp.exchange(moved, get("/moved")).status()).isEqualTo(200);
        assertRefused(first);

        try (RawHttp open = new RawHttp(moved)) {
            open.send(get("/slow"));
            assertThat(target.arrived.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
            Files.writeString(config, yaml("", ""));
            assertThat(gateway.reload().success()).isTrue();
            assertRefused(moved);
            target.release.countDown();
            RawHttp.Response r = open.read(false);
            assertThat(r.status()).as("the request in flight on the removed listener finishes").isEqualTo(200);
            assertThat(r.header("connection")).isEqualToIgnoringCase("close");
            assertThat(open.closedByPeer()).isTrue();
        }
        assertThat(requestStatus(TlsClients.context(bob, serverCa.certificate()), "/api")).isEqualTo(200);
        awaitTrue(Duration.ofSeconds(10), () -> gateway.liveStates() == 1, "old states are released");
    }

    @Test
    void aListenerRenamedOnTheSameAddressKeepsItBound() throws Exception {
        int port = FreePort.loopback();
        start(yaml("", plainListener("before", port)));
        assertThat(RawHttp.exchange(port, get("/before")).status()).isEqualTo(200);
        Files.writeString(config, yaml("", plainListener("after", port)));
        ReloadResult r = gateway.reload();
        assertThat(r.success()).as(String.valueOf(r.error())).isTrue();
        assertThat(gateway.boundPort("after")).isEqualTo(port);
        assertThat(RawHttp.exchange(port, get("/after")).status()).isEqualTo(200);
        assertThat(awaitLogLine(dir.resolve("logs/access.log"), "\"/after\"")).contains(" after HTTP/1.1 GET ");
    }

    // ------------------------------------------------------------------------------------ targets

    @Test
    void aTargetKnownToBeUnhealthyStaysUnhealthyAcrossAReload() throws Exception {
        try (NamedTarget a = NamedTarget.start("a"); NamedTarget b = NamedTarget.start("b")) {
            String yaml = """
                    listeners:
                      - name: plain
                        address: 127.0.0.1:0
                        protocol: http
                        rules: [ %s ]
                        default_action: { forward: pair }
                    target_groups:
                      pair:
                        targets: [ "%s", "%s" ]
                        health_check: { path: /health, interval: 300ms, timeout: 200ms, unhealthy_threshold: 2, healthy_threshold: 2 }
                    """;
            a.healthStatus(500);
            start(yaml.formatted("", a.address(), b.address()));
            awaitTrue(Duration.ofSeconds(10), () -> !gateway.state().targetGroups().group("pair").targets().get(0).healthy(),
                    "target a is found unhealthy");
            Files.writeString(config, yaml.formatted(rule(10, "/rule", "reloaded"), a.address(), b.address()));
            assertThat(gateway.reload().success()).isTrue();
            assertThat(gateway.state().targetGroups().group("pair").targets().get(0).healthy())
                    .as("the new state knows a is unhealthy from its first request on").isFalse();
            int before = a.requests();
            for (int i = 0; i < 6; i++) {
                assertThat(RawHttp.exchange(gateway.boundPort("plain"), get("/work")).text()).isEqualTo("target=b\n");
            }
            assertThat(a.requests()).isEqualTo(before);
        }
    }

    // ------------------------------------------------------------------------------------ no leaks

    @Test
    void twoHundredReloadsLeaveOneStateTwoLogFilesAndNoNewThreads() throws Exception {
        // Only the explicit reloads count: the file watcher must not add its own.
        String noWatch = "reload: { watch_files: false }\n";
        start(withHealthCheck(yaml("", "")) + noWatch);
        SSLContext bobTls = TlsClients.context(bob, serverCa.certificate());
        assertThat(requestStatus(bobTls, "/warm")).isEqualTo(200);
        Files.writeString(config, withHealthCheck(yaml(rule(10, "/r", "warm"), "")) + noWatch);
        assertThat(gateway.reload().success()).isTrue();
        Thread.sleep(200);
        List<String> threadsBefore = gatewayThreads();

        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                String logName = i % 2 == 0 ? "access-a.log" : "access-b.log";
                Files.writeString(config, withHealthCheck(yaml(rule(10, "/r", "reload " + i), "")
                        .replace("logs/access.log", "logs/" + logName)) + noWatch);
                ReloadResult r = gateway.reload();
                assertThat(r.success()).as(String.valueOf(r.error())).isTrue();
                if (i % 20 == 0) {
                    RawHttp c = new RawHttp(TlsClients.connect(bobTls, port("api")));
                    held.add(c);
                    c.send(get("/r"));
                    assertThat(c.read(false).text()).isEqualTo("reload " + i);
                }
            }
            assertThat(gateway.liveStates()).as("states held by open connections").isBetween(2, 14);
        } finally {
            for (RawHttp c : held) {
                c.close();
            }
        }
        awaitTrue(Duration.ofSeconds(10), () -> gateway.liveStates() == 1, "every old state is released");
        awaitTrue(Duration.ofSeconds(10), () -> gateway.openLogFiles() == 2,
                "only the access log of the last state and the connection log stay open");
        Thread.sleep(200);
        assertThat(gatewayThreads()).as("threads").hasSizeLessThanOrEqualTo(threadsBefore.size());
        assertThat(gateway.generation()).isEqualTo(202);
    }

    // ------------------------------------------------------------------------------------ helpers

    private void start(String yaml) throws Exception {
        Files.writeString(config, yaml);
        gateway = Gateway.start(ConfigParser.parse(config));
    }

    private int port(String listener) {
        return gateway.boundPort(listener);
    }

    private String yaml(String rules, String extraListeners) {
        return """
                name: reload-test
                listeners:
                  - name: api
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server/tls.crt, private_key: server/tls.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    rules: [ %s ]
                    default_action: { forward: app }
                %s
                trust_stores:
                  clients:
                    ca_certificates: clients-ca.pem
                    revocation_lists: [ clients.crl ]
                target_groups:
                  app:
                    targets: [ "127.0.0.1:%d" ]
                logs:
                  connection: logs/connection.log
                  access: logs/access.log
                """.formatted(rules, extraListeners, target.port());
    }

    private static String rule(int priority, String path, String body) {
        return "{ priority: %d, when: { path: [\"%s\"] }, then: { fixed_response: { status: 200, body: \"%s\" } } }"
                .formatted(priority, path, body);
    }

    private static String plainListener(String name, int port) {
        return """
                  - name: %s
                    address: 127.0.0.1:%d
                    protocol: http
                    default_action: { forward: app }
                """.formatted(name, port);
    }

    /** The target group checked every 200 ms: each state runs health checks until it is closed. */
    private String withHealthCheck(String yaml) {
        String targets = "    targets: [ \"127.0.0.1:%d\" ]\n".formatted(target.port());
        assertThat(yaml).contains(targets);
        return yaml.replace(targets, targets + "    health_check: { path: /health, interval: 200ms, timeout: 100ms }\n");
    }

    /**
     * Threads of this JVM but those that come and go by themselves: the test target's request threads,
     * Netty's global executor (which stops when idle for a second) and the JDK's shared pools.
     */
    private static List<String> gatewayThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (t.isAlive() && !n.startsWith("pool-") && !n.startsWith("globalEventExecutor")
                    && !n.startsWith("ForkJoinPool") && !n.equals("process reaper")) {
                names.add(n);
            }
        }
        return names;
    }

    private HeldCertificate serverCertificate(BigInteger serial) {
        return HeldCertificate.builder().commonName("localhost").serial(serial).signedBy(serverCa)
                .addSanDns("localhost").addSanIp("127.0.0.1").serverAuth().build();
    }

    /** Installs {@code server} in {@code server/} as Kubernetes updates a mounted Secret. */
    private void rotateServerCertificate(HeldCertificate server) throws IOException {
        secret.updateTls(server, serverCa);
    }

    /** Writes a temporary file next to {@code file} and renames it over {@code file}, as careful tools do. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private String requestBody(String path) throws Exception {
        try (RawHttp c = new RawHttp(TlsClients.connect(TlsClients.context(bob, serverCa.certificate()), port("api")))) {
            c.send(get(path));
            return c.read(false).text();
        }
    }

    private int requestStatus(SSLContext tls, String path) throws Exception {
        try (RawHttp c = new RawHttp(TlsClients.connect(tls, port("api")))) {
            c.send(get(path));
            return c.read(false).status();
        }
    }

    /** Whether a new connection with {@code tls} is refused with the alert {@code certificate_revoked}. */
    private boolean refusedAsRevoked(SSLContext tls) {
        try (RawHttp c = new RawHttp(TlsClients.connect(tls, port("api")))) {
            c.send(get("/probe"));
            c.read(false);
            return false;
        } catch (SSLException e) {
            return String.valueOf(e.getMessage()).contains("certificate_revoked");
        } catch (IOException e) {
            return false;
        }
    }

    private BigInteger servedSerial(SSLContext tls) {
        try (SSLSocket s = TlsClients.connect(tls, port("api"))) {
            return TlsClients.serverCertificate(s).getSerialNumber();
        } catch (IOException e) {
            return BigInteger.ZERO;
        }
    }

    /**
     * An HTTP/2 client connection to {@code port} (TLS with {@code serverName}, ALPN from {@code tls}),
     * completing {@code goaway} with the error code of the first GOAWAY it receives.
     */
    static Channel http2Client(EventLoopGroup loop, SslContext tls, String serverName, int port,
                               CompletableFuture<Long> goaway) throws InterruptedException {
        return new Bootstrap().group(loop)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(tls.newHandler(c.alloc(), serverName, port),
                                Http2FrameCodecBuilder.forClient().build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof Http2GoAwayFrame g) {
                                            goaway.complete(g.errorCode());
                                        }
                                        ReferenceCountUtil.release(msg);
                                    }
                                });
                    }
                }).connect("127.0.0.1", port).sync().channel();
    }

    static void assertRefused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            throw new AssertionError("port " + port + " still accepts connections");
        } catch (ConnectException expected) {
            // nothing listens
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }


    static void awaitTrue(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    static String awaitLogLine(Path log, String containing) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(containing)) {
                        return line;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no line with " + containing + " in " + log);
    }

    /**
     * A target that answers {@code /slow} only once {@link #release} is counted down (signalling
     * {@link #arrived} when such a request is in), and anything else at once with {@code ok PATH}.
     */
    static final class GatedTarget implements AutoCloseable {
        final HttpServer server;
        final Semaphore arrived = new Semaphore(0);
        final CountDownLatch release = new CountDownLatch(1);

        private GatedTarget(HttpServer server) {
            this.server = server;
        }

        static GatedTarget start() throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            GatedTarget t = new GatedTarget(server);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/slow")) {
                    t.arrived.release();
                    try {
                        t.release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = ("ok " + path).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
            return t;
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
