package dev.gatehouse.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.testing.FreePort;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real gRPC server (grpc-java) behind a real Gatehouse with a {@code protocol_version: grpc} group, and a
 * real gRPC client presenting a client certificate to a {@code verify} listener. The methods are described
 * by hand with a UTF-8 string marshaller (no generated code):
 * {@code test.Echo/Say} (unary: answers {@code hello <request>} and the client subject it was sent),
 * {@code test.Echo/Count} (server streaming: {@code n} messages), {@code test.Echo/Slow} (answers after
 * 3 s), {@code test.Admin/Reset} (unary, kept by a rule to one caller). Every answer of the server carries
 * the trailing metadata {@code x-served-by: echo}.
 */
class GrpcThroughGatehouseTest {
    static final Metadata.Key<String> SUBJECT = Metadata.Key.of("x-amzn-mtls-clientcert-subject",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> SERVED_BY = Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> CALLER = Context.key("caller");

    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> SAY = method("test.Echo/Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> COUNT = method("test.Echo/Count",
            MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<String, String> SLOW = method("test.Echo/Slow", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> DOWN = method("test.Down/Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> HIDDEN = method("test.Hidden/Say", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<String, String> RESET = method("test.Admin/Reset", MethodDescriptor.MethodType.UNARY);

    static final MethodDescriptor<byte[], byte[]> HEALTH_CHECK = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("grpc.health.v1.Health/Check")
            .setRequestMarshaller(Bytes.INSTANCE).setResponseMarshaller(Bytes.INSTANCE).build();

    @TempDir
    static Path dir;
    static Server server;
    static Server notServing;
    static HeldCertificate serverCaCertificate;
    static HeldCertificate opsCertificate;
    /** The service names the health checks asked about. */
    static final java.util.concurrent.ConcurrentLinkedQueue<String> checkedServices = new java.util.concurrent.ConcurrentLinkedQueue<>();
    static Gateway gateway;
    /** Bound, not listening: the port of the target group nobody serves, held so no listener is given it. */
    static Socket closed;
    static ManagedChannel ops;
    static ManagedChannel guest;

    @BeforeAll
    static void start() throws Exception {
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Gatehouse Test Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost")
                .serverAuth().build().writeTo(dir, "server");
        Files.writeString(dir.resolve("server-ca.pem"), serverCa.certificatePem());
        HeldCertificate clientCa = HeldCertificate.builder().subject("CN=Services CA,O=Acme").ca(0).build();
        Files.writeString(dir.resolve("clients-ca.pem"), clientCa.certificatePem());
        serverCaCertificate = serverCa;
        opsCertificate = HeldCertificate.builder().subject("CN=ops-7,O=Acme").signedBy(clientCa).clientAuth().build();
        opsCertificate.writeTo(dir, "ops");
        HeldCertificate.builder().subject("CN=guest-1,O=Acme").signedBy(clientCa).clientAuth().build()
                .writeTo(dir, "guest");

        ServerServiceDefinition echo = ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("hello " + req + " from " + CALLER.get());
                    out.onCompleted();
                }))
                .addMethod(COUNT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    for (int i = 1; i <= Integer.parseInt(req); i++) {
                        out.onNext("message " + i);
                    }
                    out.onCompleted();
                }))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall((req, out) -> {
                    try {
                        Thread.sleep(3_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.onNext("late");
                    out.onCompleted();
                }))
                .build();
        ServerServiceDefinition admin = ServerServiceDefinition.builder("test.Admin")
                .addMethod(RESET, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("reset by " + CALLER.get());
                    out.onCompleted();
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(echo, new CallerAndTrailer()))
                .addService(ServerInterceptors.intercept(admin, new CallerAndTrailer()))
                .addService(health(1))
                .build().start();
        // A second server whose health service says NOT_SERVING, and whose Say answers differently.
        notServing = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder("test.Echo")
                        .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext("from the server that is not serving");
                            out.onCompleted();
                        })).build())
                .addService(health(2))
                .build().start();
        closed = FreePort.refusing();
        int closedPort = closed.getLocalPort();

        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, """
                listeners:
                  - name: verify
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    rules:
                      - { priority: 10, when: { path: ["/test.Down/*"] }, then: { forward: down } }
                      - { priority: 20, when: { path: ["/test.Hidden/*"] }, then: { deny: { status: 403 } } }
                      - priority: 30
                        when: { path: ["/test.Admin/*"], client_certificate: { subject: ["CN=ops-*,O=Acme"] } }
                        then: { forward: grpc }
                      - { priority: 40, when: { path: ["/test.Admin/*"] }, then: { deny: { status: 403 } } }
                    default_action: { forward: grpc }
                  - name: checked
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: checked }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  grpc:
                    protocol_version: grpc
                    targets: [ "127.0.0.1:%d" ]
                    timeouts: { response: 1s }
                  down:
                    protocol_version: grpc
                    targets: [ "127.0.0.1:%d" ]
                  checked:
                    protocol_version: grpc
                    targets: [ "127.0.0.1:%d", "127.0.0.1:%d" ]
                    health_check: { protocol: grpc, service: "test.Echo", interval: 500ms, timeout: 500ms,
                                    unhealthy_threshold: 1, healthy_threshold: 1 }
                """.formatted(server.getPort(), closedPort, server.getPort(), notServing.getPort()));
        gateway = Gateway.start(ConfigParser.parse(config));
        ops = channel("ops");
        guest = channel("guest");
    }

    static ManagedChannel channel(String client) throws IOException {
        return channel(client, "verify");
    }

    static ManagedChannel channel(String client, String listener) throws IOException {
        TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder()
                .trustManager(dir.resolve("server-ca.pem").toFile())
                .keyManager(dir.resolve(client + ".pem").toFile(), dir.resolve(client + ".key").toFile());
        return Grpc.newChannelBuilderForAddress("127.0.0.1", gateway.boundPort(listener), creds.build())
                .overrideAuthority("localhost")
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel c : new ManagedChannel[] {ops, guest}) {
            if (c != null) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (gateway != null) {
            gateway.stop(Duration.ofSeconds(2));
        }
        for (Server s : new Server[] {server, notServing}) {
            if (s != null) {
                s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (closed != null) {
            closed.close();
        }
    }

    @Test
    void unaryCallReachesTheServerWithTheClientSubjectAndItsTrailersReachTheClient() {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        String answer = ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(ops,
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)),
                SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "world");
        assertThat(answer).isEqualTo("hello world from O=Acme,CN=ops-7");
        assertThat(trailers.get().get(SERVED_BY)).isEqualTo("echo");
    }

    @Test
    void serverStreamingCallDeliversEveryMessage() {
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(ops, COUNT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "200");
        List<String> got = new ArrayList<>();
        it.forEachRemaining(got::add);
        assertThat(got).hasSize(200).startsWith("message 1").endsWith("message 200");
    }

    @Test
    void aGroupWithoutAReachableTargetIsUnavailable() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ops, DOWN,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).isEqualTo("target refused the connection");
                });
    }

    @Test
    void aTargetThatDoesNotAnswerInTimeIsDeadlineExceeded() {
        // The group's response timeout (1s) runs out long before the client's deadline (10s).
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ops, SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("target response timeout");
                });
    }

    @Test
    void theCallersDeadlineBoundsTheWaitForTheTarget() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        // grpc-timeout (from the deadline) shorter than the group's response timeout: Gatehouse ends the call.
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ClientInterceptors.intercept(ops,
                        MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers)), SLOW,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).as(e.getStatus().toString())
                                .isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    @Test
    void aDenyRuleIsPermissionDenied() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ops, HIDDEN,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("denied by rule");
                });
    }

    @Test
    void anIdentityRuleKeepsAMethodToOneCaller() {
        assertThat(ClientCalls.blockingUnaryCall(ops, RESET,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isEqualTo("reset by O=Acme,CN=ops-7");
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(guest, RESET,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        // The other caller may still use the methods no rule keeps.
        assertThat(ClientCalls.blockingUnaryCall(guest, SAY,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x"))
                .isEqualTo("hello x from O=Acme,CN=guest-1");
    }

    @Test
    void anHttp11ClientGetsTheTargetsTrailersInTheChunkedResponse() throws Exception {
        // A gRPC call written by hand over HTTP/1.1: the target's answer (HTTP/2, trailers after the
        // message) reaches this client chunked, with the trailers in the last chunk.
        byte[] message = "world".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(0);
        body.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(message.length).array());
        body.writeBytes(message);
        try (javax.net.ssl.SSLSocket socket = TlsClients.connect(
                TlsClients.context(opsCertificate, serverCaCertificate.certificate()), gateway.boundPort("verify"))) {
            socket.getOutputStream().write(("POST /test.Echo/Say HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/grpc\r\nContent-Length: " + body.size()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body.toByteArray());
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked\r\n")
                    .contains("hello world from O=Acme,CN=ops-7");
            String trailers = response.substring(response.lastIndexOf("\r\n0\r\n") + 5);
            assertThat(trailers).contains("grpc-status: 0\r\n").contains("x-served-by: echo\r\n").endsWith("\r\n\r\n");
        }
    }

    @Test
    void grpcHealthChecksTakeATargetThatIsNotServingOutOfRotation() throws Exception {
        ManagedChannel checked = channel("ops", "checked");
        try {
            // The second target answers its health check NOT_SERVING: after its first check, no call reaches it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int consecutive = 0;
            while (consecutive < 20 && System.nanoTime() < deadline) {
                String answer = ClientCalls.blockingUnaryCall(checked, SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
                consecutive = answer.equals("hello x from O=Acme,CN=ops-7") ? consecutive + 1 : 0;
            }
            assertThat(consecutive).as("consecutive calls answered by the serving target").isEqualTo(20);
            assertThat(checkedServices).contains("test.Echo");
        } finally {
            checked.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A hand-written grpc.health.v1.Health whose Check answers {@code status} (1 SERVING, 2 NOT_SERVING). */
    static ServerServiceDefinition health(int status) {
        return ServerServiceDefinition.builder("grpc.health.v1.Health")
                .addMethod(HEALTH_CHECK, ServerCalls.asyncUnaryCall((req, out) -> {
                    // HealthCheckRequest { string service = 1; }: tag 0x0a, a one-byte length, the name.
                    checkedServices.add(req.length > 2 ? new String(req, 2, req[1], StandardCharsets.UTF_8) : "");
                    out.onNext(new byte[] {0x08, (byte) status}); // HealthCheckResponse { status = 1; }
                    out.onCompleted();
                }))
                .build();
    }

    static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(name)
                .setRequestMarshaller(UTF8).setResponseMarshaller(UTF8).build();
    }

    /** Messages as they are: for the health service's protobuf, written by hand. */
    enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * What a gRPC server does to know its caller: reads the subject Gatehouse sent as metadata (into the
     * call's context); and adds trailing metadata to every answer.
     */
    static final class CallerAndTrailer implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            ServerCall<Q, R> withTrailer = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(SERVED_BY, "echo");
                    super.close(status, trailers);
                }
            };
            return Contexts.interceptCall(Context.current().withValue(CALLER, headers.get(SUBJECT)), withTrailer,
                    headers, next);
        }
    }
}
