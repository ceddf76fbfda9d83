package dev.gatehouse.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.nio.BufferUnderflowException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLProtocolException;

/**
 * Gives a handshake that the JDK's TLS refused as malformed the fatal {@code decode_error} alert
 * that BoringSSL sends. The JDK's engine parses handshake messages in delegated tasks and, when one is
 * malformed, reports the error without producing an alert; closing it then sends a {@code user_canceled}
 * warning and a {@code close_notify}, which tells the client nothing. Goes before the TLS handler and
 * rewrites those two alert records into one fatal {@code decode_error}, only when they are in the clear (a
 * TLS 1.2 handshake until the server's ChangeCipherSpec, a TLS 1.3 one until its ServerHello) and the
 * handshake failed on such an error; every other write passes untouched.
 *
 * <p>One instance per connection; all methods run on its event loop.
 */
final class JdkHandshakeAlerts extends ChannelOutboundHandlerAdapter {
    private static final int ALERT = 21;
    private static final int WARNING = 1;
    private static final int FATAL = 2;
    private static final int USER_CANCELED = 90;
    private static final int DECODE_ERROR = 50;

    /** Set once the fatal alert went out: later alert records of the connection are dropped. */
    private boolean replaced;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf) || !onlyAlerts(buf) || !(replaced || failedOnMalformedMessage(ctx))) {
            ctx.write(msg, promise);
            return;
        }
        if (replaced) {
            ReferenceCountUtil.release(msg);
            promise.setSuccess();
            return;
        }
        int at = buf.readerIndex();
        if (buf.getUnsignedByte(at + 5) != WARNING || buf.getUnsignedByte(at + 6) != USER_CANCELED) {
            ctx.write(msg, promise);
            return;
        }
        replaced = true;
        ByteBuf alert = ctx.alloc().buffer(7);
        alert.writeBytes(buf, at, 5).writeByte(FATAL).writeByte(DECODE_ERROR);
        ReferenceCountUtil.release(msg);
        ctx.write(alert, promise);
    }

    /** True when {@code buf} holds nothing but whole two-byte alert records. */
    private static boolean onlyAlerts(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (i == end) {
            return false;
        }
        while (i < end) {
            if (end - i < 7 || buf.getUnsignedByte(i) != ALERT || buf.getUnsignedShort(i + 3) != 2) {
                return false;
            }
            i += 7;
        }
        return true;
    }

    /** The handshake failed because the JDK could not parse a message of the client's. */
    private static boolean failedOnMalformedMessage(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        Future<?> handshake = ssl == null ? null : ssl.handshakeFuture();
        if (handshake == null || !handshake.isDone() || handshake.isSuccess()) {
            return false;
        }
        for (Throwable t = handshake.cause(); t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof SSLProtocolException || t instanceof BufferUnderflowException
                    || (t instanceof SSLException && (m.contains("Insufficient space") || m.contains("Invalid ")))) {
                return true;
            }
        }
        return false;
    }
}
