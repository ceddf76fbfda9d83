package dev.gatehouse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.server.config.ConfigException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
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

    private static List<Transport> available() {
        return Arrays.stream(Transport.values()).filter(t -> t.unavailabilityCause() == null).toList();
    }
}
