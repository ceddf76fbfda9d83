package dev.gatehouse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.server.config.ConfigException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class TransportTest {

    @Test
    void bestIsIoUringWhereItRunsThenEpollThenNio() {
        Transport expected = IoUring.isAvailable() ? Transport.IO_URING
                : Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
        assertThat(Transport.best()).isEqualTo(expected);
    }

    @Test
    void thePropertyNamesATransportOrAutoForTheBest() throws Exception {
        assertThat(Transport.named(null)).isEqualTo(Transport.best());
        assertThat(Transport.named(" auto ")).isEqualTo(Transport.best());
        assertThat(Transport.named("NIO")).isEqualTo(Transport.NIO);
        for (Transport t : available()) {
            assertThat(Transport.named(t.toString())).isEqualTo(t);
        }
    }

    @Test
    void anUnknownOrUnavailableTransportIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Transport.named("kqueue"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-Dgatehouse.transport")
                .hasMessageContaining("'kqueue' is not a transport; use auto, io_uring, epoll, nio");
        for (Transport t : Transport.values()) {
            if (t.unavailabilityCause() != null) {
                assertThatThrownBy(() -> Transport.named(t.toString()))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(t + " cannot run here: ");
            }
        }
    }

    /** A transport left to choose whose loops fail to start (io_uring beyond a locked-memory limit) gives way. */
    @Test
    void loopsThatFailToStartGiveWayToTheNextTransportUnlessNamed() throws Exception {
        Transport first = Transport.best();
        assumeTrue(first != Transport.NIO, "only NIO runs here: nothing to fall back from");
        BiFunction<Transport, Integer, EventLoopGroup> failingFirst = (t, n) -> {
            if (t == first) {
                throw new IllegalStateException("failed to create a child event loop",
                        new RuntimeException("failed to create io_uring ring fd: Cannot allocate memory"));
            }
            return t.eventLoops(n);
        };
        EventLoopGroup loops = Transport.startLoops(null, 1, failingFirst);
        try {
            Transport used = Transport.of(loops.next());
            assertThat(used).isNotEqualTo(first);
            assertThat(available()).contains(used);
            assertThat(used.ordinal()).isGreaterThan(first.ordinal());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertThatThrownBy(() -> Transport.startLoops(first.toString(), 1, failingFirst))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-Dgatehouse.transport: " + first + " event loops cannot start here: "
                        + "failed to create a child event loop: java.lang.RuntimeException: failed to create io_uring"
                        + " ring fd: Cannot allocate memory");
    }

    @Test
    void theLoopsOfThisProcessAreOnTheBestTransportByDefault() throws Exception {
        EventLoopGroup loops = Transport.startLoops(null, 1, Transport::eventLoops);
        try {
            assertThat(Transport.of(loops.next())).isEqualTo(Transport.best());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Each transport here: its loops say which they are, and its channel classes listen and connect on them. */
    @Test
    void channelsOfALoopsTransportWorkOnThatLoop() throws Exception {
        for (Transport transport : available()) {
            EventLoopGroup loops = transport.eventLoops(1);
            try {
                EventLoop loop = loops.next();
                assertThat(Transport.of(loop)).isEqualTo(transport);
                Channel server = new ServerBootstrap().group(loops).channel(transport.serverChannel())
                        .childHandler(new ChannelInboundHandlerAdapter())
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                Channel client = new Bootstrap().group(loop).channel(Transport.of(loop).socketChannel())
                        .handler(new ChannelInboundHandlerAdapter())
                        .connect(server.localAddress()).sync().channel();
                assertThat(client.isActive()).isTrue();
                assertThat(client).isInstanceOf(transport.socketChannel());
                client.close().sync();
                server.close().sync();
            } finally {
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /**
     * Connections made and accepted with {@link Transport#connectionOptions} carry bytes intact both ways,
     * with reads asked for one at a time as the gateway asks (auto-read off, the next read only once the
     * echo of the last is written); on io_uring with buffer rings, what a connection reads arrives in its
     * loop's ring of 16 KiB buffers.
     */
    @Test
    void connectionsWithTheTransportsOptionsReadWhatIsSentOneReadAtATime() throws Exception {
        for (Transport transport : available()) {
            EventLoopGroup loops = transport.eventLoops(1);
            List<ByteBuf> seen = new CopyOnWriteArrayList<>();
            try {
                Channel server = transport.connectionOptions(new ServerBootstrap()).group(loops)
                        .channel(transport.serverChannel())
                        .childOption(ChannelOption.AUTO_READ, false)
                        .childHandler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.read();
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                if (seen.size() < 64) {
                                    seen.add(buf.retainedDuplicate());
                                }
                                ctx.writeAndFlush(buf).addListener(f -> ctx.read());
                            }
                        })
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                byte[] sent = new byte[1 << 20];
                new Random(17).nextBytes(sent);
                ByteArrayOutputStream echoed = new ByteArrayOutputStream();
                CountDownLatch all = new CountDownLatch(1);
                Channel client = transport.connectionOptions(new Bootstrap()).group(loops.next())
                        .channel(transport.socketChannel())
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                try {
                                    byte[] b = new byte[buf.readableBytes()];
                                    buf.readBytes(b);
                                    echoed.write(b, 0, b.length);
                                    if (echoed.size() == sent.length) {
                                        all.countDown();
                                    }
                                } finally {
                                    buf.release();
                                }
                            }
                        })
                        .connect(server.localAddress()).sync().channel();
                for (int at = 0; at < sent.length; at += 3000) {
                    client.write(Unpooled.wrappedBuffer(sent, at, Math.min(3000, sent.length - at)));
                    if (at % 60_000 == 0) {
                        client.flush();
                    }
                }
                client.flush();
                assertThat(all.await(20, TimeUnit.SECONDS)).as("%s: all bytes echoed", transport).isTrue();
                assertThat(echoed.toByteArray()).as(transport.toString()).isEqualTo(sent);
                if (transport == Transport.IO_URING && Transport.readsIntoBufferRings()) {
                    assertThat(client.config().getOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID))
                            .isEqualTo((short) 0);
                    assertThat(seen).isNotEmpty().allSatisfy(b -> {
                        // wrapped for leak detection, duplicated here: the slice of a ring buffer is below
                        boolean sliced = false;
                        ByteBuf root = b;
                        while (root.unwrap() != null) {
                            sliced |= root.getClass().getSimpleName().contains("Slice");
                            root = root.unwrap();
                        }
                        assertThat(sliced).as("a slice of a ring buffer: %s", b).isTrue();
                        assertThat(root.capacity()).as("the ring buffer of %s", b).isEqualTo(16 * 1024);
                    });
                    assertThat(transport.reads()).isEqualTo("reading into buffer rings");
                } else if (transport != Transport.IO_URING) {
                    assertThat(transport.reads()).isEmpty();
                }
                client.close().sync();
                server.close().sync();
            } finally {
                seen.forEach(ByteBuf::release);
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    private static List<Transport> available() {
        return Arrays.stream(Transport.values()).filter(t -> t.unavailabilityCause() == null).toList();
    }
}
