package dev.gatehouse.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports for tests: one to configure a listener on, or one nobody listens on (connections refused). */
public final class FreePort {
    private FreePort() {}

    /**
     * A loopback port that was free a moment ago: bound, read and closed again. For a port a test binds
     * itself (a clash then fails loudly at bind); a port meant to stay dead takes {@link #refusing()}.
     */
    public static int loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * A loopback port nobody listens on, held for as long as the returned socket stays open: bound but not
     * listening, so connections to it are refused, and no listener bound to port 0 meanwhile can be given
     * it (a port from {@link #loopback()} once was, and a target meant to be dead became the gateway's own
     * listener).
     */
    public static Socket refusing() {
        try {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
