package dev.gatehouse.bench;

import dev.gatehouse.pki.ClientIdentity;
import dev.gatehouse.server.config.ConfigLocation;
import dev.gatehouse.server.config.MutualAuthConfig;
import dev.gatehouse.server.headers.ForwardedHeaders;
import dev.gatehouse.server.headers.IdentityHeaderValues;
import dev.gatehouse.server.connection.ConnectionInfo;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
 * The client identity on its way to the target. {@code perConnection}: what a verified connection
 * costs once, at the end of its handshake (the identity's names and dates, the five
 * {@code X-Amzn-Mtls-*} values including the URL-encoded PEM leaf). {@code perRequest}: what every
 * proxied request costs (adding the connection's prepared headers and {@code X-Forwarded-*}, then
 * encoding the request head for the target).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HeaderBenchmark {
    private List<java.security.cert.X509Certificate> path;
    private MutualAuthConfig mtls;
    private ForwardedHeaders forwarded;
    private EmbeddedChannel encoder;

    @Setup
    public void setUp() throws Exception {
        Fleet fleet = new Fleet(1);
        path = Arrays.asList(fleet.devices[0][0], fleet.intermediate.certificate(), fleet.root.certificate());
        mtls = new MutualAuthConfig(MutualAuthConfig.MutualAuthMode.VERIFY, "bench", false, false, Map.of(), false,
                new ConfigLocation(Path.of("bench.yaml"), 1, "mutual_authentication"));
        ConnectionInfo info = new ConnectionInfo("TID_0123456789abcdef0123456789abcdef",
                new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8443), true,
                perConnection(), ClientIdentity.of(path, true).subject());
        forwarded = new ForwardedHeaders(info);
        encoder = new EmbeddedChannel(new HttpRequestEncoder());
    }

    @TearDown
    public void tearDown() {
        encoder.finishAndReleaseAll();
    }

    @Benchmark
    public List<Map.Entry<String, String>> perConnection() {
        return IdentityHeaderValues.verified(mtls, ClientIdentity.of(path, true), path.toArray(new X509Certificate[0]));
    }

    @Benchmark
    public int perRequest() {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/items?id=42");
        req.headers().set("host", "api.example.com").set("user-agent", "bench/1.0").set("accept", "*/*");
        forwarded.addTo(req.headers());
        encoder.writeOutbound(req);
        ByteBuf out = encoder.readOutbound();
        int n = 0;
        while (out != null) {
            n += out.readableBytes();
            out.release();
            out = encoder.readOutbound();
        }
        return n;
    }
}
