package dev.gatehouse.server.transport;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandler;
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
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The socket transport, chosen in this one place: io_uring where Netty's native transport for it loads
 * and the kernel allows it (Linux 5.9 and later, not refused by a seccomp profile), else epoll (Linux),
 * else the JDK's NIO; or the one named by {@code -Dgatehouse.transport}. The gateway's event loops are
 * made here, and every channel on them (listeners, connections to targets, health checks) takes its
 * class from the transport of its loop, so a channel always matches the loop it is registered with.
 *
 * <p>io_uring comes first because it costs less per request: on keep-alive connections about a fifth
 * less CPU than epoll for the same relay (bench/README.md), each loop's reads and writes submitted and
 * completed through one ring instead of a system call each.
 */
public enum Transport {
    IO_URING("io_uring", IoUringIoHandler.class, IoUringIoHandler::newFactory, IoUringServerSocketChannel.class,
            IoUringSocketChannel.class),
    EPOLL("epoll", EpollIoHandler.class, EpollIoHandler::newFactory, EpollServerSocketChannel.class,
            EpollSocketChannel.class),
    NIO("nio", NioIoHandler.class, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    /** The system property that names a transport: {@code auto} (or unset), {@code io_uring}, {@code epoll}, {@code nio}. */
    public static final String PROPERTY = "gatehouse.transport";

    private final String label;
    private final Class<? extends IoHandler> ioType;
    private final Supplier<IoHandlerFactory> ioHandlers;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    Transport(String label, Class<? extends IoHandler> ioType, Supplier<IoHandlerFactory> ioHandlers,
              Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
        this.label = label;
        this.ioType = ioType;
        this.ioHandlers = ioHandlers;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /**
     * The transport of this process: the one {@code -Dgatehouse.transport} names, or the best available.
     *
     * @throws ConfigException the property names no transport, or one that cannot run here (with the reason)
     */
    public static Transport chosen() throws ConfigException {
        return named(System.getProperty(PROPERTY));
    }

    /** {@link #chosen()} for the value {@code name} ({@code null}, blank or {@code auto}: the best available). */
    static Transport named(String name) throws ConfigException {
        if (name == null || name.isBlank() || name.trim().equalsIgnoreCase("auto")) {
            return best();
        }
        ConfigLocation where = ConfigLocation.synthetic("-D" + PROPERTY);
        for (Transport t : values()) {
            if (t.label.equalsIgnoreCase(name.trim())) {
                Throwable cause = t.unavailabilityCause();
                if (cause != null) {
                    throw new ConfigException(where, t.label + " cannot run here: " + cause.getMessage(), cause);
                }
                return t;
            }
        }
        throw new ConfigException(where, "'" + name + "' is not a transport; use auto, "
                + Arrays.stream(values()).map(t -> t.label).collect(Collectors.joining(", ")));
    }

    /** The first transport of io_uring, epoll and NIO that is available here. */
    public static Transport best() {
        for (Transport t : values()) {
            if (t.unavailabilityCause() == null) {
                return t;
            }
        }
        return NIO;
    }

    /** Why this transport cannot run here, or {@code null} if it can. */
    public Throwable unavailabilityCause() {
        return switch (this) {
            case IO_URING -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
            case EPOLL -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
            case NIO -> null;
        };
    }

    /** The transport {@code loop} runs. */
    public static Transport of(EventLoop loop) {
        if (loop instanceof IoEventLoop io) {
            for (Transport t : values()) {
                if (io.isIoType(t.ioType)) {
                    return t;
                }
            }
        }
        return NIO;
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

    /** The name {@code -Dgatehouse.transport} knows this transport by. */
    @Override
    public String toString() {
        return label;
    }
}
