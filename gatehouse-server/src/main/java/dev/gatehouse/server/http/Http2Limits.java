package dev.gatehouse.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersDecoder;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import io.netty.handler.codec.http2.Http2PromisedRequestVerifier;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.TimeUnit;

/**
 * Builds the HTTP/2 codec of a client connection with the limits that keep one connection from costing
 * more than its share, each answered in the way that tells a client what happened:
 * <ul>
 *   <li>streams beyond {@code max_concurrent_streams}, from the very first frame (not only once the
 *       client acknowledged SETTINGS): RST_STREAM(REFUSED_STREAM), which says the request was not
 *       processed and may be retried; the connection goes on;</li>
 *   <li>a header block over the request-head limit: {@code 431} on its stream, after the block was decoded
 *       to keep the connection's HPACK state (the connection goes on), up to {@value #HEADER_BLOCK_CEILING}
 *       times the limit; a bigger block, which would have to be buffered whole, ends the connection;</li>
 *   <li>abuse ends the connection with GOAWAY(ENHANCE_YOUR_CALM): more than {@value #MAX_RESETS} streams
 *       reset by the client ("rapid reset"), or reset by Gatehouse because of frames the client should not
 *       have sent, within {@value #WINDOW_SECONDS} s; more than {@value #MAX_REFUSED_STREAMS} streams
 *       refused within {@value #WINDOW_SECONDS} s; more than {@value #MAX_CONTROL_FRAMES} PING, SETTINGS,
 *       PRIORITY or unknown frames within {@value #WINDOW_SECONDS} s; more than
 *       {@value #MAX_EMPTY_DATA_FRAMES} empty DATA frames in a row.</li>
 * </ul>
 * Refused streams have their own, larger budget: a burst over the limit is refused, not punished, but a
 * client that does nothing else is. Every frame Gatehouse writes in answer to one of the client's
 * (PING and SETTINGS acknowledgements, RST_STREAM) is thereby bounded per window, also for a client
 * that does not read them.
 */
public final class Http2Limits {
    /** A header block is decoded (and answered 431) up to this many times the request-head limit. */
    public static final int HEADER_BLOCK_CEILING = 4;
    /** Resets in one window (received, or sent for a client's fault) that end the connection. */
    public static final int MAX_RESETS = 200;
    /** Streams refused (over {@code max_concurrent_streams}) in one window that end the connection. */
    public static final int MAX_REFUSED_STREAMS = 1000;
    /** PING, SETTINGS, PRIORITY and unknown frames in one window that end the connection. */
    public static final int MAX_CONTROL_FRAMES = 1000;
    /** Empty DATA frames in a row (without END_STREAM) that end the connection. */
    public static final int MAX_EMPTY_DATA_FRAMES = 2;
    public static final int WINDOW_SECONDS = 30;

    private Http2Limits() {}

    /**
     * @param maxConcurrentStreams advertised and enforced from the first frame
     * @param streamWindow         initial receive window of a stream
     * @param maxHead              request-head limit (SETTINGS_MAX_HEADER_LIST_SIZE)
     * @param gracefulShutdownMillis how long streams may finish after GOAWAY on a graceful close
     */
    static Http2FrameCodec serverCodec(int maxConcurrentStreams, int streamWindow, int maxHead,
                                       long gracefulShutdownMillis) {
        Http2Connection connection = new DefaultHttp2Connection(true);
        Http2ConnectionEncoder encoder = new ResetBudget(new DefaultHttp2ConnectionEncoder(connection,
                new DefaultHttp2FrameWriter()));
        DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(new HeaderBlockLimit(maxHead));
        Http2ConnectionDecoder decoder = new ControlFrameBudget(new DefaultHttp2ConnectionDecoder(connection, encoder,
                reader, Http2PromisedRequestVerifier.ALWAYS_VERIFY, true, true, true, false));
        return new Builder(decoder, encoder)
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(maxConcurrentStreams)
                        .initialWindowSize(streamWindow)
                        .maxHeaderListSize(maxHead)
                        .connectProtocolEnabled(true)) // RFC 8441: WebSocket over HTTP/2
                .gracefulShutdownTimeoutMillis(gracefulShutdownMillis)
                .build();
    }

    private static final class Builder extends Http2FrameCodecBuilder {
        Builder(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder) {
            // Netty wraps the decoder with these two when the codec is built (they must be set first).
            decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES);
            decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, WINDOW_SECONDS);
            codec(decoder, encoder);
        }
    }

    /** A count of events in fixed windows of {@value #WINDOW_SECONDS} seconds. */
    private static final class Budget {
        private final int max;
        private long windowStart = System.nanoTime();
        private int used;

        Budget(int max) {
            this.max = max;
        }

        /** Counts one event; {@code false} when the window's budget is spent. */
        boolean spend() {
            long now = System.nanoTime();
            if (now - windowStart >= TimeUnit.SECONDS.toNanos(WINDOW_SECONDS)) {
                windowStart = now;
                used = 0;
            }
            return ++used <= max;
        }
    }

    /**
     * HPACK with the request-head limit: a block over it is decoded in full and answered 431 on its
     * stream, up to {@value #HEADER_BLOCK_CEILING} times the limit. Netty would end the connection from
     * 1.25 times the limit, and puts that back whenever the client acknowledges SETTINGS: this keeps
     * the ceiling.
     */
    private static final class HeaderBlockLimit implements Http2HeadersDecoder, Http2HeadersDecoder.Configuration {
        private final DefaultHttp2HeadersDecoder hpack;

        HeaderBlockLimit(long maxHead) {
            hpack = new DefaultHttp2HeadersDecoder(true, maxHead);
            try {
                maxHeaderListSize(maxHead, 0);
            } catch (Http2Exception e) {
                throw new IllegalArgumentException(e);
            }
        }

        @Override
        public Http2Headers decodeHeaders(int streamId, ByteBuf headerBlock) throws Http2Exception {
            return hpack.decodeHeaders(streamId, headerBlock);
        }

        @Override
        public Configuration configuration() {
            return this;
        }

        @Override
        public void maxHeaderTableSize(long max) throws Http2Exception {
            hpack.maxHeaderTableSize(max);
        }

        @Override
        public long maxHeaderTableSize() {
            return hpack.maxHeaderTableSize();
        }

        @Override
        public void maxHeaderListSize(long max, long goAwayMax) throws Http2Exception {
            hpack.maxHeaderListSize(max, Math.max(goAwayMax, max * HEADER_BLOCK_CEILING));
        }

        @Override
        public long maxHeaderListSize() {
            return hpack.maxHeaderListSize();
        }

        @Override
        public long maxHeaderListSizeGoAway() {
            return hpack.maxHeaderListSizeGoAway();
        }
    }

    /**
     * Streams Gatehouse resets because of what the client sent (protocol or flow-control errors on a
     * stream): a client that provokes them faster than {@value #MAX_RESETS} per window gets
     * ENHANCE_YOUR_CALM. Refusals (REFUSED_STREAM) count apart, up to {@value #MAX_REFUSED_STREAMS} per
     * window; Gatehouse's own cancellations (CANCEL) are not the client's fault and are not counted.
     */
    private static final class ResetBudget extends DecoratingHttp2ConnectionEncoder {
        private final Budget resets = new Budget(MAX_RESETS);
        private final Budget refusals = new Budget(MAX_REFUSED_STREAMS);
        private Http2LifecycleManager lifecycle;

        ResetBudget(Http2ConnectionEncoder delegate) {
            super(delegate);
        }

        @Override
        public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
            this.lifecycle = lifecycleManager;
            super.lifecycleManager(lifecycleManager);
        }

        @Override
        public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
                                            ChannelPromise promise) {
            ChannelFuture f = super.writeRstStream(ctx, streamId, errorCode, promise);
            if (errorCode == Http2Error.REFUSED_STREAM.code()) {
                if (!refusals.spend()) {
                    lifecycle.onError(ctx, true, Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                            "more than %d streams refused within %d s", MAX_REFUSED_STREAMS, WINDOW_SECONDS));
                }
            } else if (errorCode != Http2Error.CANCEL.code() && errorCode != Http2Error.NO_ERROR.code()
                    && !resets.spend()) {
                lifecycle.onError(ctx, true, Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                        "more than %d streams reset for protocol errors within %d s", MAX_RESETS, WINDOW_SECONDS));
            }
            return f;
        }
    }

    /** PING, SETTINGS, PRIORITY and unknown frames: more than {@value #MAX_CONTROL_FRAMES} per window is a flood. */
    private static final class ControlFrameBudget extends DecoratingHttp2ConnectionDecoder {
        private final Budget budget = new Budget(MAX_CONTROL_FRAMES);

        ControlFrameBudget(Http2ConnectionDecoder delegate) {
            super(delegate);
        }

        @Override
        public void frameListener(Http2FrameListener listener) {
            super.frameListener(listener == null ? null : new Counting(listener));
        }

        @Override
        public Http2FrameListener frameListener() {
            Http2FrameListener l = super.frameListener();
            return l instanceof Counting c ? c.listener() : l;
        }

        private void spend() throws Http2Exception {
            if (!budget.spend()) {
                throw Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM,
                        "more than %d control frames within %d s", MAX_CONTROL_FRAMES, WINDOW_SECONDS);
            }
        }

        private final class Counting extends Http2FrameListenerDecorator {
            Counting(Http2FrameListener listener) {
                super(listener);
            }

            Http2FrameListener listener() {
                return listener;
            }

            @Override
            public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
                spend();
                super.onPingRead(ctx, data);
            }

            @Override
            public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
                spend();
                super.onSettingsRead(ctx, settings);
            }

            @Override
            public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                                       boolean exclusive) throws Http2Exception {
                spend();
                super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
            }

            @Override
            public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                                       ByteBuf payload) throws Http2Exception {
                spend();
                super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
            }
        }
    }
}
