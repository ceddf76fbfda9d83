package dev.gatehouse.server.target;

import dev.gatehouse.server.config.TargetGroupConfig.HealthCheckConfig;
import dev.gatehouse.server.config.TargetGroupConfig.HealthCheckProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active HTTP health checks of one target group: every {@code interval}, each target gets
 * {@code GET path} on a new connection (over TLS, verified like traffic, for an https group; over HTTP/2
 * for an http2 or grpc group); an answer within {@code timeout} with a status in {@code success_codes}
 * is a success, anything else (refused, timeout, TLS failure, other status) a failure. With
 * {@code protocol: grpc}, the check is gRPC's health protocol instead ({@link GrpcHealth}): success is
 * SERVING. With {@code protocol: tcp} the connection is the check: accepted within {@code timeout} (and, for
 * an https group, its TLS handshake completed with the target's certificate verified) is a success; this is
 * the check for targets that do not speak HTTP, such as those of a TLS passthrough listener. Checks of a
 * group with {@code proxy_protocol: v2} start with a PROXY v2 {@code LOCAL} header, as its targets expect.
 *
 * <h2>State</h2>
 * Targets start healthy, so a gateway serves from its first second; {@code unhealthy_threshold}
 * consecutive failures make a target unhealthy (it receives no new requests), {@code healthy_threshold}
 * consecutive successes make it healthy again. So a target that starts failing stops receiving requests
 * at most {@code interval × unhealthy_threshold + timeout} after its first failed check. When every
 * target of a group is unhealthy the group fails open: requests go to all of them, with a warning.
 * Transitions are logged.
 *
 * <h2>Threading</h2>
 * Every check of the group runs on one event loop (never blocking it), so the counters need no
 * synchronisation; {@link Target#healthy()} is volatile for the request paths on other loops.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final TargetGroup group;
    private final HealthCheckConfig config;
    private final TargetTls tls;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    /** The group reaches its targets over HTTP/2: so do its checks. */
    private final boolean h2;
    private final List<State> states = new ArrayList<>();
    private boolean closed;

    HealthChecker(TargetGroup group, HealthCheckConfig config, TargetTls tls, EventLoop loop) {
        this.group = group;
        this.config = config;
        this.tls = tls;
        this.loop = loop;
        this.bootstrap = Target.bootstrap(loop, (int) Math.max(1, config.timeout().toMillis()));
        this.h2 = group.protocolVersion().http2();
        for (Target t : group.targets()) {
            states.add(new State(t));
        }
    }

    TargetGroup group() {
        return group;
    }

    /** Starts the checks: the first at once, then every interval. */
    void start() {
        long interval = config.interval().toNanos();
        for (State s : states) {
            s.schedule = loop.scheduleAtFixedRate(() -> check(s), 0, interval, TimeUnit.NANOSECONDS);
        }
    }

    /** Stops the checks on their loop, then runs {@code then} there (no check starts after it). */
    void close(Runnable then) {
        Runnable stop = () -> {
            closed = true;
            for (State s : states) {
                if (s.schedule != null) {
                    s.schedule.cancel(false);
                }
                if (s.channel != null) {
                    s.channel.close();
                }
            }
            then.run();
        };
        try {
            loop.execute(stop);
        } catch (RejectedExecutionException e) {
            stop.run(); // the loop has shut down: no check runs any more
        }
    }

    private void check(State s) {
        if (closed || s.channel != null) {
            return; // the previous check of this target has not finished (timeout <= interval makes this rare)
        }
        Target t = s.target;
        int id = ++s.attempt;
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (group.proxyProtocol()) {
                    ch.pipeline().addLast("proxy-protocol-local", LocalProxyHeader.INSTANCE);
                }
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), t));
                }
                if (config.protocol() == HealthCheckProtocol.TCP) {
                    return;
                }
                if (h2) {
                    Http2TargetConnections.configure(ch.pipeline(), group.timeouts().idle().toNanos());
                    return;
                }
                ch.pipeline().addLast("http-codec", new HttpClientCodec());
                ch.pipeline().addLast("health", new Probe(s, id));
            }
        });
        ChannelFuture f = b.connect(t.socketAddress());
        s.channel = f.channel();
        s.finished = false;
        s.timeout = loop.schedule(() -> finish(s, id, false, "no answer within " + config.timeout().toMillis() + "ms"),
                config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        f.addListener((ChannelFutureListener) cf -> {
            if (!cf.isSuccess()) {
                finish(s, id, false, "connect failed: " + cf.cause().getMessage());
                return;
            }
            SslHandler ssl = cf.channel().pipeline().get(SslHandler.class);
            if (ssl == null) {
                // After channelActive, which runs right after this listener: a PROXY header goes out first.
                cf.channel().eventLoop().execute(() -> connected(cf.channel(), t, s, id));
            } else {
                ssl.handshakeFuture().addListener(hf -> {
                    if (hf.isSuccess()) {
                        connected(cf.channel(), t, s, id);
                    } else {
                        finish(s, id, false, TargetTlsException.of(hf.cause()).getMessage());
                    }
                });
            }
        });
    }

    /** The connection (and its TLS handshake) is up: that is the whole of a tcp check; the others send a request. */
    private void connected(Channel ch, Target t, State s, int id) {
        if (config.protocol() == HealthCheckProtocol.TCP) {
            finish(s, id, true, "connected");
        } else {
            sendRequest(ch, t, s, id);
        }
    }

    private void sendRequest(Channel ch, Target t, State s, int id) {
        FullHttpRequest req = config.grpc() ? GrpcHealth.request(config.service())
                : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, config.path());
        String host = tls != null ? tls.serverName(t) : t.address().host();
        req.headers().set(HttpHeaderNames.HOST, host.indexOf(':') >= 0 ? "[" + host + "]:" + t.address().port()
                        : host + ":" + t.address().port())
                .set(HttpHeaderNames.USER_AGENT, "Gatehouse-HealthCheck")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
        if (!h2) {
            ch.writeAndFlush(req);
            return;
        }
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null && !ApplicationProtocolNames.HTTP_2.equals(ssl.applicationProtocol())) {
            req.release();
            finish(s, id, false, "target did not select HTTP/2 (ALPN h2)");
            return;
        }
        Http2TargetConnections.openStream(ch, new Http2StreamFrameToHttpObjectCodec(false), new Probe(s, id))
                .addListener((Future<Http2StreamChannel> f) -> {
                    if (f.isSuccess()) {
                        f.getNow().writeAndFlush(req);
                        f.getNow().read();
                    } else {
                        req.release();
                        finish(s, id, false, "cannot open an HTTP/2 stream: " + f.cause().getMessage());
                    }
                });
    }

    /** Records one check's outcome (first call wins) and flips the target's state at a threshold. */
    private void finish(State s, int attempt, boolean success, String detail) {
        if (s.finished || attempt != s.attempt) {
            return;
        }
        s.finished = true;
        if (s.timeout != null) {
            s.timeout.cancel(false);
            s.timeout = null;
        }
        Channel ch = s.channel;
        s.channel = null;
        if (ch != null) {
            ch.close();
        }
        if (closed) {
            return;
        }
        Target t = s.target;
        t.lastCheck(new Target.LastCheck(success, detail, Instant.now()));
        if (success) {
            s.failures = 0;
            s.successes++;
            if (!t.healthy() && s.successes >= config.healthyThreshold()) {
                t.healthy(true);
                group.healthChanged();
                log.info("target group {}: target {} is healthy again ({} consecutive successful checks)",
                        group.name(), t, s.successes);
            }
        } else {
            s.successes = 0;
            s.failures++;
            if (t.healthy() && s.failures >= config.unhealthyThreshold()) {
                t.healthy(false);
                group.healthChanged();
                log.warn("target group {}: target {} is unhealthy ({} consecutive failed checks of {}; last: {})",
                        group.name(), t, s.failures, what(), detail);
            }
        }
    }

    /** What a check asks, for the log: {@code /health}, {@code gRPC health of ""}, {@code TLS connection}. */
    private String what() {
        return switch (config.protocol()) {
            case HTTP -> config.path();
            case GRPC -> "gRPC health of \"" + config.service() + "\"";
            case TCP -> tls != null ? "TLS connection" : "TCP connection";
        };
    }

    /**
     * A PROXY protocol v2 {@code LOCAL} header, the first bytes of every check of a group that sends such
     * headers (its targets expect one before anything else): the protocol's way of saying "the balancer's
     * own connection, no client relayed". Written from the head of the pipeline, so before a TLS ClientHello.
     */
    @ChannelHandler.Sharable
    static final class LocalProxyHeader extends ChannelInboundHandlerAdapter {
        static final LocalProxyHeader INSTANCE = new LocalProxyHeader();
        /** Signature, version 2 + LOCAL, family UNSPEC, no addresses. */
        private static final byte[] HEADER = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                0x20, 0x00, 0x00, 0x00};

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(HEADER));
            ctx.pipeline().remove(this);
            ctx.fireChannelActive();
        }
    }

    /** Reads the status of the one response; the connection closes after it. */
    private final class Probe extends SimpleChannelInboundHandler<HttpObject> {
        private final State state;
        private final int attempt;
        private int status;
        private final GrpcHealth.Answer grpc = config.grpc() ? new GrpcHealth.Answer() : null;

        Probe(State state, int attempt) {
            this.state = state;
            this.attempt = attempt;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                if (r.decoderResult().isFailure()) {
                    finish(state, attempt, false, "invalid response");
                    return;
                }
                status = r.status().code();
                if (grpc != null) {
                    grpc.grpcStatus = r.headers().get("grpc-status"); // a trailers-only answer
                }
            }
            if (grpc != null && msg instanceof HttpContent c) {
                grpc.body(c.content());
                if (msg instanceof LastHttpContent last && last.trailingHeaders().contains("grpc-status")) {
                    grpc.grpcStatus = last.trailingHeaders().get("grpc-status");
                }
            }
            if (msg instanceof LastHttpContent && status != 0) {
                conclude();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.read(); // an HTTP/2 stream reads only when asked
            ctx.fireChannelReadComplete();
        }

        private void conclude() {
            if (grpc != null) {
                finish(state, attempt, grpc.serving(status), grpc.why(status));
            } else {
                finish(state, attempt, config.successCodes().contains(status), "status " + status);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (status != 0) {
                conclude();
            } else {
                finish(state, attempt, false, "connection closed before a response");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl != null && !ssl.handshakeFuture().isSuccess()) {
                finish(state, attempt, false, TargetTlsException.of(cause).getMessage());
            } else {
                finish(state, attempt, false, cause.getClass().getSimpleName() + ": " + cause.getMessage());
            }
        }
    }

    /** One target's check state; only touched on the checker's loop. */
    private static final class State {
        final Target target;
        ScheduledFuture<?> schedule;
        ScheduledFuture<?> timeout;
        Channel channel;
        boolean finished;
        int successes;
        int failures;
        int attempt;

        State(Target target) {
            this.target = target;
        }
    }
}
