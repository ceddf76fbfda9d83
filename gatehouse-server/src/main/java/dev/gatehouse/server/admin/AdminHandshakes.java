package dev.gatehouse.server.admin;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The outcome of every TLS handshake on an HTTPS admin listener: counted in
 * {@code gatehouse_admin_tls_handshakes_total{result}}, and each failure logged (client address and why),
 * so that a refused admin certificate, or someone probing the admin port, leaves a trace. The log takes at
 * most ten such lines a second; the failures left out are counted in the next line that is logged (the
 * counter has them all). The admin listener has one event loop: nothing here is shared between threads.
 */
@ChannelHandler.Sharable
final class AdminHandshakes extends ChannelInboundHandlerAdapter {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AdminHandshakes.class);
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int LINES_PER_WINDOW = 10;

    private final CounterDataPoint succeeded;
    private final CounterDataPoint failed;
    private long windowStart = System.nanoTime() - WINDOW_NANOS;
    private int linesInWindow;
    private long unlogged;

    AdminHandshakes(PrometheusRegistry registry) {
        Counter handshakes = Counter.builder().withoutExemplars().name("gatehouse_admin_tls_handshakes_total")
                .help("TLS handshakes on the admin listener, by result").labelNames("result").register(registry);
        succeeded = handshakes.labelValues("success");
        failed = handshakes.labelValues("failure");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                succeeded.inc();
            } else {
                failed.inc();
                logFailure(ctx, done.cause());
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    private void logFailure(ChannelHandlerContext ctx, Throwable cause) {
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_NANOS) {
            windowStart = now;
            linesInWindow = 0;
        }
        if (linesInWindow == LINES_PER_WINDOW) {
            unlogged++;
            return;
        }
        linesInWindow++;
        long before = unlogged;
        unlogged = 0;
        log.warn("admin: TLS handshake from {} failed: {}{}", ctx.channel().remoteAddress(), reason(cause),
                before == 0 ? "" : " (and " + before + " more failed handshakes not logged since the last line)");
    }

    /** Why, in one short line: the innermost cause (the engine wraps the trust manager's reason). */
    private static String reason(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "the client did not speak TLS";
        }
        if (cause == null) {
            return "unknown";
        }
        Throwable c = cause;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }
}
