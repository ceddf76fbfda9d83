package dev.gatehouse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {

    @Test
    void bestIsEpollWhereItLoadsElseNio() {
        assertThat(Transport.best()).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
    }

    /** Each transport here: its loops say which they are, and its channel classes listen and connect on them. */
    @Test
    void channelsOfALoopsTransportWorkOnThatLoop() throws Exception {
        List<Transport> available = new ArrayList<>(List.of(Transport.NIO));
        if (Epoll.isAvailable()) {
            available.add(Transport.EPOLL);
        }
        for (Transport transport : available) {
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
}
