package dev.gatehouse.server.transport;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.function.Supplier;

/**
 * The socket transport, chosen in this one place: epoll where Netty's native transport loads (Linux),
 * else the JDK's NIO. The gateway's event loops are made here, and every channel on them (listeners,
 * connections to targets, health checks) takes its class from the transport of its loop, so a channel
 * always matches the loop it is registered with.
 */
public enum Transport {
    EPOLL(EpollIoHandler::newFactory, EpollServerSocketChannel.class, EpollSocketChannel.class),
    NIO(NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    private final Supplier<IoHandlerFactory> ioHandlers;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    Transport(Supplier<IoHandlerFactory> ioHandlers, Class<? extends ServerChannel> serverChannel,
              Class<? extends SocketChannel> socketChannel) {
        this.ioHandlers = ioHandlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /** Epoll if it is available here, else NIO. */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The transport {@code loop} runs. */
    public static Transport of(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class) ? EPOLL : NIO;
    }

    /** {@code threads} event loops of this transport. */
    public EventLoopGroup eventLoops(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlers.get());
    }

    /** The class of listening channels on this transport's loops. */
    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    /** The class of outgoing TCP connections on this transport's loops. */
    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }
}
