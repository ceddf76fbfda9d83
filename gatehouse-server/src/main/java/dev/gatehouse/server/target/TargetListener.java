package dev.gatehouse.server.target;

/**
 * What happens on a target connection, told to the one exchange that holds it. All methods are called on
 * the connection's event loop, which is also the client channel's event loop.
 */
public interface TargetListener {
    /** A connection is ready: taken from the pool ({@link TargetConnection#reused()}) or just connected. */
    void targetConnected(TargetConnection connection);

    /** No connection could be made to the target (refused, unreachable, connect timeout). */
    void targetConnectFailed(Target target, Throwable cause);

    /** A decoded {@code HttpObject} of the response; the listener owns it (must release or pass it on). */
    void targetRead(Object msg);

    /** The end of one read from the target socket: time to flush what was passed on. */
    void targetReadComplete();

    /** The target connection became writable (again) or stopped being writable. */
    void targetWritabilityChanged(boolean writable);

    /** The target connection closed or failed while held ({@code cause} is {@code null} for a plain close). */
    void targetClosed(Throwable cause);
}
