package dev.gatehouse.bench;

import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.GatewayConfig;
import dev.gatehouse.server.connection.ConnectionInfo;
import dev.gatehouse.server.routing.Route;
import dev.gatehouse.server.routing.Router;
import dev.gatehouse.server.target.TargetGroups;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rule matching of one request against a listener with six rules on host, path, method and headers:
 * {@code firstRule} matches the first rule, {@code fallThrough} goes through every rule to the default
 * action (the worst case).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
    private static final String CONFIG = """
            listeners:
              - name: api
                address: 127.0.0.1:8080
                protocol: http
                rules:
                  - priority: 10
                    when: { host: ["api.example.com"], path: ["/api/v1/*"], method: [GET, POST] }
                    then: { forward: app }
                  - priority: 20
                    when: { path: ["/healthz"] }
                    then: { fixed_response: { status: 200, content_type: text/plain, body: "ok" } }
                  - priority: 30
                    when: { path: ["/internal/*"] }
                    then: { deny: { status: 403 } }
                  - priority: 40
                    when: { host: ["*.admin.example.com"], header: { x-env: ["prod"] } }
                    then: { forward: admin }
                  - priority: 50
                    when: { path: ["/static/*", "/assets/*"], method: [GET] }
                    then: { forward: app }
                  - priority: 60
                    when: { host: ["legacy.example.com"] }
                    then: { forward: admin }
                default_action: { forward: app }
            target_groups:
              app: { protocol: http, targets: ["127.0.0.1:9001"] }
              admin: { protocol: http, targets: ["127.0.0.1:9002"] }
            """;

    private EventLoopGroup loops;
    private TargetGroups groups;
    private Router router;
    private ConnectionInfo connection;
    private HttpRequest first;
    private HttpRequest none;

    @Setup
    public void setUp() throws Exception {
        GatewayConfig config = ConfigParser.parse(CONFIG, Path.of("bench.yaml"));
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        groups = TargetGroups.create(config.targetGroups(), loops);
        router = Router.build(config.listeners().get(0), groups);
        connection = new ConnectionInfo("TID_0123456789abcdef0123456789abcdef",
                new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8080), false, List.of(), null);
        first = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items?id=42");
        first.headers().set("host", "api.example.com");
        none = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/other/path?x=1");
        none.headers().set("host", "www.example.com").set("x-env", "dev");
    }

    @TearDown
    public void tearDown() {
        groups.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Benchmark
    public Route firstRule() {
        return router.route(first, connection);
    }

    @Benchmark
    public Route fallThrough() {
        return router.route(none, connection);
    }
}
