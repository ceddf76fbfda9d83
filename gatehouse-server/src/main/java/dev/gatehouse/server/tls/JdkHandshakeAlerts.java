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
 * Gives a handshake that the JDK's TLS refused for a malformed or badly signed message the fatal alert
 * that BoringSSL (and RFC 8446, section 6.2) sends: {@code decode_error} for a message that cannot be
 * parsed, {@code decrypt_error} for a CertificateVerify whose signature does not verify. The JDK's engine
 * parses handshake messages in delegated tasks and, for some malformed ones, reports the error without
 * producing an alert (closing it then sends a {@code user_canceled} warning and a {@code close_notify},
 * which tell the client nothing); for others it sends {@code illegal_parameter} or
 * {@code handshake_failure}. Goes before the TLS handler and replaces the alert records of such a failed
 * handshake by the one fatal alert, only while they are in the clear (a TLS 1.2 handshake until the
 * server's ChangeCipherSpec, a TLS 1.3 one until its ServerHello); every other write passes untouched.
 *
 * <p>One instance per connection; all methods run on its event loop.
 */
final class JdkHandshakeAlerts extends ChannelOutboundHandlerAdapter {
    private static final int ALERT = 21;
    private static final int WARNING = 1;
    private static final int FATAL = 2;
    private static final int USER_CANCELED = 90;
    private static final int DECODE_ERROR = 50;
    private static final int DECRYPT_ERROR = 51;

    /** Set once the fatal alert went out: later alert records of the connection are dropped. */
    private boolean replaced;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf) || !onlyAlerts(buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (replaced) {
            ReferenceCountUtil.release(msg);
            promise.setSuccess();
            return;
        }
        int at = buf.readerIndex();
        int level = buf.getUnsignedByte(at + 5);
        int description = buf.getUnsignedByte(at + 6);
        int alert = level == FATAL || description == USER_CANCELED ? alertFor(ctx) : -1;
        if (alert < 0 || (level == FATAL && description == alert)) {
            ctx.write(msg, promise);
            return;
        }
        replaced = true;
        ByteBuf fatal = ctx.alloc().buffer(7);
        fatal.writeBytes(buf, at, 5).writeByte(FATAL).writeByte(alert);
        ReferenceCountUtil.release(msg);
        ctx.write(fatal, promise);
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

    /**
     * The alert the failed handshake calls for, or -1 when it did not fail (yet) or the JDK's own alert
     * stands: {@code decrypt_error} for a CertificateVerify signature that does not verify,
     * {@code decode_error} for a message the JDK could not parse.
     */
    private static int alertFor(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        Future<?> handshake = ssl == null ? null : ssl.handshakeFuture();
        if (handshake == null || !handshake.isDone() || handshake.isSuccess()) {
            return -1;
        }
        for (Throwable t = handshake.cause(); t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Invalid CertificateVerify signature")) {
                return DECRYPT_ERROR;
            }
            if (t instanceof SSLProtocolException || t instanceof BufferUnderflowException
                    || (t instanceof SSLException && (m.contains("Insufficient space")
                    || m.contains("Error parsing") || m.contains("no sufficient data")))) {
                return DECODE_ERROR;
            }
        }
        return -1;
    }
}
