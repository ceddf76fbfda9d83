package dev.gatehouse.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.util.function.Function;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps SHA-1 and MD5 out of TLS 1.2 handshake signatures on BoringSSL, which netty-tcnative gives no
 * way to configure: it reads the client's plaintext handshake messages as they pass to the
 * {@code SslHandler} (never holding or copying a byte of them, except a ClientHello's) and ends the
 * handshake with a {@code handshake_failure} alert when
 * <ul>
 *   <li>a TLS 1.2-only ClientHello offers, for a key type of the listener's certificates, only SHA-1 or
 *       MD5 signatures (BoringSSL would sign its ServerKeyExchange with SHA-1), or</li>
 *   <li>the client signs its CertificateVerify with SHA-1 or MD5.</li>
 * </ul>
 * TLS 1.3 needs no guard (BoringSSL neither makes nor accepts SHA-1 or PKCS#1 signatures there): a
 * ClientHello that offers TLS 1.3 removes the guard, and so does the client's first ChangeCipherSpec,
 * alert or encrypted record, or anything that is not a TLS handshake (the {@code SslHandler} judges it).
 *
 * <p>A refused CertificateVerify makes the connection's judgement {@code ClientCertIncompatible} (whose
 * alert, {@code handshake_failure}, is the one sent), so the connection log says why.
 *
 * <p>One instance per connection; all methods run on its event loop.
 */
final class SignatureAlgorithmGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SignatureAlgorithmGuard.class);

    /** Record content types. */
    private static final int CHANGE_CIPHER_SPEC = 20;
    private static final int HANDSHAKE = 22;
    /** Handshake message types. */
    private static final int CLIENT_HELLO = 1;
    private static final int CERTIFICATE_VERIFY = 15;
    /** Extensions. */
    private static final int SIGNATURE_ALGORITHMS = 13;
    private static final int SUPPORTED_VERSIONS = 43;
    /** A ClientHello larger than this is left to the TLS stack unread (it bounds it itself). */
    private static final int MAX_CLIENT_HELLO = 64 * 1024;

    private final ServerTls.KeyTypes keyTypes;
    private final boolean requestsCertificates;
    private final Function<Channel, ClientCertificateJudge> judgeOf;

    // Record layer: the header being read, then the bytes left in the current record.
    private final byte[] recordHeader = new byte[5];
    private int recordHeaderRead;
    private int recordLeft;
    // Handshake layer (across records): the header being read, then the body's bytes left.
    private final byte[] messageHeader = new byte[4];
    private int messageHeaderRead;
    private int messageType;
    private int messageLeft;
    private int messageRead;
    private ByteBuf clientHello;
    private int verifyAlgorithm;

    /** @param judge the listener's client-certificate policy, {@code null} if it requests no certificate */
    SignatureAlgorithmGuard(ServerTls.KeyTypes keyTypes, ClientCertificateJudge judge) {
        this(keyTypes, judge != null, channel -> judge);
    }

    /**
     * A guard for a listener whose client-certificate policy is chosen by server name.
     *
     * @param requestsCertificates whether any of its policies requests a client certificate
     * @param judgeOf              the policy the connection's server name selected ({@code null}: none, or
     *                             no certificate requested), asked once the handshake is under way
     */
    SignatureAlgorithmGuard(ServerTls.KeyTypes keyTypes, boolean requestsCertificates,
                            Function<Channel, ClientCertificateJudge> judgeOf) {
        this.keyTypes = keyTypes;
        this.requestsCertificates = requestsCertificates;
        this.judgeOf = judgeOf;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String refusal;
        try {
            refusal = scan(in);
        } catch (Done done) {
            refusal = null;
            ctx.pipeline().remove(this);
        }
        if (refusal == null) {
            ctx.fireChannelRead(in);
            return;
        }
        ReferenceCountUtil.release(in);
        log.debug("{}: {}", ctx.channel().remoteAddress(), refusal);
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        ClientCertificateJudge judge = requestsCertificates ? judgeOf.apply(ctx.channel()) : null;
        if (judge != null && tls != null && messageType == CERTIFICATE_VERIFY) {
            judge.refuseUse(tls.engine(), refusal);
        }
        // A plaintext fatal alert: before the client's Finished the server has sent nothing encrypted.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {21, 3, 3, 0, 2, 2, 40}))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (clientHello != null) {
            clientHello.release();
            clientHello = null;
        }
    }

    /** Nothing more to check on this connection. */
    private static final class Done extends Exception {
        static final Done INSTANCE = new Done();

        private Done() {
            super(null, null, false, false);
        }
    }

    /** Reads {@code in} (without moving its indexes); a reason to refuse, or {@code null} to pass it on. */
    private String scan(ByteBuf in) throws Done {
        int i = in.readerIndex();
        int end = in.writerIndex();
        while (i < end) {
            if (recordLeft == 0) {
                recordHeader[recordHeaderRead++] = in.getByte(i++);
                if (recordHeaderRead == 5) {
                    recordHeaderRead = 0;
                    if (recordHeader[0] != HANDSHAKE || recordHeader[1] != 3) {
                        throw Done.INSTANCE; // ChangeCipherSpec, alert, encrypted data, or not TLS at all
                    }
                    recordLeft = ((recordHeader[3] & 0xff) << 8) | (recordHeader[4] & 0xff);
                    if (recordLeft == 0) {
                        throw Done.INSTANCE;
                    }
                }
                continue;
            }
            int n = Math.min(recordLeft, end - i);
            String refusal = handshakeBytes(in, i, n);
            if (refusal != null) {
                return refusal;
            }
            i += n;
            recordLeft -= n;
        }
        return null;
    }

    private String handshakeBytes(ByteBuf in, int from, int length) throws Done {
        int i = from;
        int end = from + length;
        while (i < end) {
            if (messageHeaderRead < 4) {
                messageHeader[messageHeaderRead++] = in.getByte(i++);
                if (messageHeaderRead == 4) {
                    messageType = messageHeader[0] & 0xff;
                    messageLeft = ((messageHeader[1] & 0xff) << 16) | ((messageHeader[2] & 0xff) << 8)
                            | (messageHeader[3] & 0xff);
                    messageRead = 0;
                    if (messageType == CLIENT_HELLO && messageLeft > MAX_CLIENT_HELLO) {
                        throw Done.INSTANCE;
                    }
                    if (messageLeft == 0) {
                        String refusal = messageEnded();
                        if (refusal != null) {
                            return refusal;
                        }
                    }
                }
                continue;
            }
            int n = Math.min(messageLeft, end - i);
            if (messageType == CLIENT_HELLO) {
                if (clientHello == null && messageRead == 0 && n == messageLeft) {
                    // The usual case: the whole ClientHello in this read, judged where it lies.
                    String refusal = clientHello(in.slice(i, n));
                    if (refusal != null) {
                        return refusal;
                    }
                } else {
                    if (clientHello == null) {
                        clientHello = in.alloc().heapBuffer(messageRead + messageLeft);
                    }
                    clientHello.writeBytes(in, i, n);
                }
            } else if (messageType == CERTIFICATE_VERIFY) {
                for (int k = 0; k < n && messageRead + k < 2; k++) {
                    verifyAlgorithm = (verifyAlgorithm << 8) | (in.getByte(i + k) & 0xff);
                }
            }
            i += n;
            messageRead += n;
            messageLeft -= n;
            if (messageLeft == 0) {
                String refusal = messageEnded();
                if (refusal != null) {
                    return refusal;
                }
            }
        }
        return null;
    }

    private String messageEnded() throws Done {
        messageHeaderRead = 0;
        if (messageType == CLIENT_HELLO && clientHello != null) {
            ByteBuf hello = clientHello;
            clientHello = null;
            try {
                return clientHello(hello);
            } finally {
                hello.release();
            }
        }
        if (messageType == CERTIFICATE_VERIFY) {
            if (isWeak(verifyAlgorithm)) {
                return "CertificateVerify signed with " + name(verifyAlgorithm) + " (expected: SHA-256 or better)";
            }
            throw Done.INSTANCE;
        }
        return null;
    }

    /** Judges a complete ClientHello body. */
    private String clientHello(ByteBuf b) throws Done {
        int[] offered = null;
        boolean tls13 = false;
        try {
            b.skipBytes(2 + 32);
            b.skipBytes(b.readUnsignedByte());
            b.skipBytes(b.readUnsignedShort());
            b.skipBytes(b.readUnsignedByte());
            if (b.isReadable()) {
                int extensionsEnd = b.readUnsignedShort() + b.readerIndex();
                while (b.readerIndex() + 4 <= extensionsEnd) {
                    int type = b.readUnsignedShort();
                    int length = b.readUnsignedShort();
                    int next = b.readerIndex() + length;
                    if (type == SUPPORTED_VERSIONS) {
                        int listEnd = b.readUnsignedByte() + b.readerIndex();
                        while (b.readerIndex() + 2 <= listEnd) {
                            tls13 |= b.readUnsignedShort() == 0x0304;
                        }
                    } else if (type == SIGNATURE_ALGORITHMS) {
                        int count = b.readUnsignedShort() / 2;
                        offered = new int[count];
                        for (int k = 0; k < count; k++) {
                            offered[k] = b.readUnsignedShort();
                        }
                    }
                    b.readerIndex(next);
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException malformed) {
            throw Done.INSTANCE; // the TLS stack refuses it with the right alert
        }
        if (tls13) {
            throw Done.INSTANCE;
        }
        if (offered == null) {
            offered = new int[] {0x0201, 0x0203}; // RFC 5246 7.4.1.4.1: no extension means SHA-1
        }
        String refusal = keyTypes.onlyWeakFor(offered);
        if (refusal != null) {
            return "TLS 1.2 ClientHello " + refusal + " (expected: SHA-256 or better)";
        }
        if (!requestsCertificates) {
            throw Done.INSTANCE;
        }
        return null;
    }

    /** A TLS 1.2 SignatureAndHashAlgorithm whose hash is MD5 (1) or SHA-1 (2). */
    static boolean isWeak(int algorithm) {
        int hash = algorithm >>> 8;
        return hash == 1 || hash == 2;
    }

    static String name(int algorithm) {
        String hash = (algorithm >>> 8) == 1 ? "MD5" : (algorithm >>> 8) == 2 ? "SHA-1" : "hash " + (algorithm >>> 8);
        String sig = switch (algorithm & 0xff) {
            case 1 -> "RSA";
            case 2 -> "DSA";
            case 3 -> "ECDSA";
            default -> "signature " + (algorithm & 0xff);
        };
        return sig + "+" + hash;
    }
}
