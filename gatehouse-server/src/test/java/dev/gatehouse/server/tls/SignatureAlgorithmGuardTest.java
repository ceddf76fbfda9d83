package dev.gatehouse.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The guard's reading of TLS records byte by byte, as a client may send them: records split anywhere,
 * handshake messages split across records; what it passes on is exactly what arrived.
 */
class SignatureAlgorithmGuardTest {
    /** A TLS 1.2 ClientHello body offering {@code sigalgs} (and TLS 1.3 too if {@code tls13}). */
    static byte[] clientHello(boolean tls13, int... sigalgs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(3);
        b.write(3);
        b.writeBytes(new byte[32]);
        b.write(0); // session id
        b.writeBytes(new byte[] {0, 2, (byte) 0xc0, 0x2f});
        b.writeBytes(new byte[] {1, 0});
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        ext.writeBytes(new byte[] {0, 13, 0, (byte) (2 + 2 * sigalgs.length), 0, (byte) (2 * sigalgs.length)});
        for (int a : sigalgs) {
            ext.write(a >>> 8);
            ext.write(a & 0xff);
        }
        if (tls13) {
            ext.writeBytes(new byte[] {0, 43, 0, 5, 4, 3, 4, 3, 3});
        }
        b.write(ext.size() >>> 8);
        b.write(ext.size() & 0xff);
        b.writeBytes(ext.toByteArray());
        return message(1, b.toByteArray());
    }

    static byte[] message(int type, byte[] body) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(type);
        m.writeBytes(new byte[] {0, (byte) (body.length >>> 8), (byte) body.length});
        m.writeBytes(body);
        return m.toByteArray();
    }

    /** Handshake {@code messages} in records of at most {@code recordSize} bytes. */
    static byte[] records(int recordSize, byte[]... messages) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            all.writeBytes(m);
        }
        byte[] stream = all.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < stream.length; i += recordSize) {
            int n = Math.min(recordSize, stream.length - i);
            out.writeBytes(new byte[] {22, 3, 3, (byte) (n >>> 8), (byte) n});
            out.write(stream, i, n);
        }
        return out.toByteArray();
    }

    /** Feeds {@code bytes} one at a time; what reached the next handler. */
    static byte[] feed(EmbeddedChannel ch, byte[] bytes) {
        for (byte b : bytes) {
            if (!ch.isOpen()) {
                break;
            }
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        for (ByteBuf in; (in = ch.readInbound()) != null; ) {
            passed.writeBytes(ByteBufUtil.getBytes(in));
            in.release();
        }
        return passed.toByteArray();
    }

    static EmbeddedChannel guard(boolean rsa, boolean ecdsa, boolean clientCertificates) {
        return new EmbeddedChannel(new SignatureAlgorithmGuard(new ServerTls.KeyTypes(rsa, ecdsa),
                clientCertificates ? ClientCertificateJudge.passthrough() : null));
    }

    @Test
    void aSha1OnlyClientHelloSplitAcrossRecordsAndReadsIsRefusedWithAnAlert() {
        EmbeddedChannel ch = guard(true, false, false);
        feed(ch, records(7, clientHello(false, 0x0201, 0x0203)));
        ByteBuf alert = ch.readOutbound();
        assertThat(ByteBufUtil.getBytes(alert)).containsExactly(21, 3, 3, 0, 2, 2, 40);
        alert.release();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aSha1OnlyClientHelloInOneReadIsRefusedAndAGoodOneFollowedByMoreIsPassedOnWhole() {
        EmbeddedChannel refused = guard(true, false, false);
        refused.writeInbound(Unpooled.wrappedBuffer(records(1000, clientHello(false, 0x0201))));
        assertThat(refused.isOpen()).isFalse();
        assertThat((Object) refused.readInbound()).isNull();
        refused.finishAndReleaseAll();

        EmbeddedChannel passed = guard(false, true, true);
        byte[] sent = records(1000, clientHello(false, 0x0403), message(11, new byte[40]), message(16, new byte[66]),
                message(15, new byte[] {4, 3, 0, 2, 1, 2}));
        passed.writeInbound(Unpooled.wrappedBuffer(sent));
        ByteBuf in = passed.readInbound();
        assertThat(ByteBufUtil.getBytes(in)).containsExactly(sent);
        in.release();
        assertThat(passed.pipeline().get(SignatureAlgorithmGuard.class)).isNull();
        passed.finishAndReleaseAll();
    }

    @Test
    void sha1ForAnotherKeyTypeOrBesideSha256IsLeftToTheTlsStack() {
        for (byte[] hello : new byte[][] {clientHello(false, 0x0203, 0x0401), clientHello(false, 0x0201, 0x0804),
                clientHello(true, 0x0201)}) {
            EmbeddedChannel ch = guard(true, false, false);
            byte[] sent = records(5, hello);
            assertThat(feed(ch, sent)).containsExactly(sent);
            assertThat(ch.isOpen()).isTrue();
            assertThat(ch.pipeline().get(SignatureAlgorithmGuard.class)).as("removed after the ClientHello").isNull();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aCertificateVerifySignedWithSha1IsRefusedAndSha256PassesUnchanged() {
        byte[] certificate = message(11, new byte[300]);
        for (int algorithm : new int[] {0x0201, 0x0401}) {
            EmbeddedChannel ch = guard(false, true, true);
            byte[] sent = records(100, clientHello(false, 0x0403), certificate, message(16, new byte[66]),
                    message(15, new byte[] {(byte) (algorithm >>> 8), (byte) algorithm, 0, 2, 1, 2}));
            byte[] passed = feed(ch, sent);
            if (algorithm == 0x0201) {
                assertThat(ch.isOpen()).isFalse();
                assertThat(passed.length).isLessThan(sent.length);
                ch.finishAndReleaseAll();
            } else {
                assertThat(passed).containsExactly(sent);
                assertThat(ch.isOpen()).isTrue();
                assertThat(ch.pipeline().get(SignatureAlgorithmGuard.class)).isNull();
                ch.finishAndReleaseAll();
            }
        }
    }
}
