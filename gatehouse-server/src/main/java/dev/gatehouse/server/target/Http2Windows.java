package dev.gatehouse.server.target;

import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;

/**
 * The receive window of a whole HTTP/2 connection, which SETTINGS cannot change (it starts at 64 KiB
 * whatever the streams' windows are): opened with a WINDOW_UPDATE once the connection preface went out.
 * Used for the connections of clients and of targets alike. Stateless.
 */
public final class Http2Windows {
    private Http2Windows() {}

    /**
     * Grows the connection window of {@code codec}'s connection to {@code window} bytes (no smaller); the
     * caller flushes.
     */
    public static void openConnectionWindow(Http2FrameCodec codec, int window) throws Http2Exception {
        Http2Connection connection = codec.connection();
        int delta = window - connection.local().flowController().windowSize(connection.connectionStream());
        if (delta > 0) {
            connection.local().flowController().incrementWindowSize(connection.connectionStream(), delta);
        }
    }
}
