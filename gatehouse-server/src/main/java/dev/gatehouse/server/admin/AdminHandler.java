package dev.gatehouse.server.admin;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.observe.Readiness;
import dev.gatehouse.server.observe.Rejections;
import dev.gatehouse.server.observe.Telemetry;
import dev.gatehouse.server.reload.ReloadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Answers one admin request:
 * <ul>
 *   <li>{@code GET /healthz}: 200 while the process runs;</li>
 *   <li>{@code GET /readyz}: 200 when every listener is bound and serving, 503 while starting or draining;</li>
 *   <li>{@code GET /metrics}: Prometheus text format, or OpenMetrics (or protobuf) when the
 *       {@code Accept} header asks for it;</li>
 *   <li>{@code GET /api/v1/state}, {@code GET /api/v1/rejections?limit=N}: JSON ({@link StateJson});</li>
 *   <li>{@code POST /api/v1/reload}: 200 with the new generation, 422 with the error;</li>
 *   <li>{@code GET /}: the dashboard page.</li>
 * </ul>
 * Another path is 404, another method on a known path 405.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final byte[] DASHBOARD = dashboard();
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();
    private static final String JSON = "application/json; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";

    /** What every connection of one admin listener shares. */
    static final class Shared {
        final Telemetry telemetry;
        final ExecutorService worker;
        private volatile Gateway gateway;

        Shared(Telemetry telemetry, ExecutorService worker) {
            this.telemetry = telemetry;
            this.worker = worker;
        }

        Gateway gateway() {
            return gateway;
        }

        void gateway(Gateway g) {
            gateway = g;
        }
    }

    private final Shared shared;

    AdminHandler(Shared shared) {
        this.shared = shared;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            send(ctx, false, HttpResponseStatus.BAD_REQUEST, TEXT, "bad request\n");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        HttpMethod method = req.method();
        HttpMethod allowed = switch (path) {
            case "/", "/healthz", "/readyz", "/metrics", "/api/v1/state", "/api/v1/rejections" -> HttpMethod.GET;
            case "/api/v1/reload" -> HttpMethod.POST;
            default -> null;
        };
        if (allowed == null) {
            send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, TEXT, "not found: " + path + "\n");
            return;
        }
        if (!method.equals(allowed) && !(allowed == HttpMethod.GET && method.equals(HttpMethod.HEAD))) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
                    (method + " not allowed on " + path + " (expected: " + allowed + ")\n").getBytes(StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.ALLOW, allowed.name());
            write(ctx, keepAlive, r);
            return;
        }
        Gateway gateway = shared.gateway();
        switch (path) {
            case "/healthz" -> send(ctx, keepAlive, HttpResponseStatus.OK, TEXT, "ok\n");
            case "/readyz" -> {
                Readiness r = shared.telemetry.readiness();
                send(ctx, keepAlive, r == Readiness.SERVING ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        TEXT, r.name().toLowerCase(java.util.Locale.ROOT) + "\n");
            }
            case "/metrics" -> metrics(ctx, keepAlive, req.headers().get(HttpHeaderNames.ACCEPT));
            case "/" -> write(ctx, keepAlive, response(HttpResponseStatus.OK, "text/html; charset=utf-8", DASHBOARD));
            case "/api/v1/rejections" -> {
                int limit = limit(uri.parameters().get("limit"));
                if (limit < 0) {
                    send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, JSON,
                            "{\"error\":\"limit: expected a number from 1 to " + Rejections.CAPACITY + "\"}\n");
                } else {
                    send(ctx, keepAlive, HttpResponseStatus.OK, JSON,
                            StateJson.rejections(shared.telemetry.rejections(), limit) + "\n");
                }
            }
            default -> {
                if (gateway == null) {
                    send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, JSON, "{\"error\":\"starting\"}\n");
                } else if (path.equals("/api/v1/state")) {
                    send(ctx, keepAlive, HttpResponseStatus.OK, JSON, StateJson.state(gateway) + "\n");
                } else {
                    reload(ctx, keepAlive, gateway);
                }
            }
        }
    }

    /** {@code limit}: 1 to the ring's capacity, default 100; {@code -1} when it is not such a number. */
    private static int limit(List<String> values) {
        if (values == null || values.isEmpty()) {
            return 100;
        }
        try {
            int n = Integer.parseInt(values.get(0));
            return n >= 1 && n <= Rejections.CAPACITY ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void metrics(ChannelHandlerContext ctx, boolean keepAlive, String accept) {
        ExpositionFormatWriter writer = FORMATS.findWriter(accept);
        ByteBuf body = ctx.alloc().buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            writer.write(out, shared.telemetry.registry().scrape());
        } catch (IOException e) {
            body.release();
            throw new UncheckedIOException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
        write(ctx, keepAlive, r);
    }

    /** Reloads on the admin worker (it reads files and may bind addresses), then answers on the event loop. */
    private void reload(ChannelHandlerContext ctx, boolean keepAlive, Gateway gateway) {
        try {
            shared.worker.execute(() -> {
                ReloadResult result = gateway.reload();
                ctx.executor().execute(() -> send(ctx, keepAlive,
                        result.success() ? HttpResponseStatus.OK : HttpResponseStatus.UNPROCESSABLE_ENTITY, JSON,
                        StateJson.reload(result) + "\n"));
            });
        } catch (RejectedExecutionException e) {
            send(ctx, false, HttpResponseStatus.SERVICE_UNAVAILABLE, JSON, "{\"error\":\"stopping\"}\n");
        }
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String type,
                             String body) {
        write(ctx, keepAlive, response(status, type, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static byte[] dashboard() {
        try (InputStream in = AdminHandler.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html is missing from the gatehouse-server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
