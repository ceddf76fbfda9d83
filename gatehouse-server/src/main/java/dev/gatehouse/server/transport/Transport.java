package dev.gatehouse.server.transport;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
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
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket transport, chosen in this one place: io_uring where Netty's native transport for it loads
 * and the kernel allows it (Linux 5.9 and later, not refused by a seccomp profile), else epoll (Linux),
 * else the JDK's NIO; or the one named by {@code -Dgatehouse.transport}. The gateway's event loops are
 * made here, and every channel on them (listeners, connections to targets, health checks) takes its
 * class from the transport of its loop, so a channel always matches the loop it is registered with.
 *
 * <p>io_uring comes first because it costs less per request: on keep-alive connections about a fifth
 * less CPU than epoll for the same relay (bench/README.md), each loop's reads and writes submitted and
 * completed through one ring instead of a system call each. Where the kernel consumes buffer rings
 * incrementally (Linux 6.12 and later), each io_uring loop also registers one ring of read buffers that
 * all its connections read into ({@link #connectionOptions}): a connection's read stays armed in the
 * kernel and completes with the bytes already in a buffer, instead of a readiness event followed by a
 * read submitted on the next turn of the loop. That is one turn of the loop less on every read, which
 * shortens the latency tail of keep-alive requests (bench/README.md).
 */
public enum Transport {
    IO_URING("io_uring", IoUringIoHandler.class, Transport::ioUringHandlers, IoUringServerSocketChannel.class,
            IoUringSocketChannel.class),
    EPOLL("epoll", EpollIoHandler.class, EpollIoHandler::newFactory, EpollServerSocketChannel.class,
            EpollSocketChannel.class),
    NIO("nio", NioIoHandler.class, NioIoHandler::newFactory, NioServerSocketChannel.class, NioSocketChannel.class);

    /** The system property that names a transport: {@code auto} (or unset), {@code io_uring}, {@code epoll}, {@code nio}. */
    public static final String PROPERTY = "gatehouse.transport";

    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** The group id of each io_uring loop's ring of read buffers. */
    private static final short READ_BUFFERS = 0;
    /**
     * Size of each read buffer: the largest TLS record, so a record never needs two buffers. Buffers are
     * consumed incrementally: a short read takes only its bytes, so a slow client holding a partial record
     * does not keep a whole buffer to itself.
     */
    private static final int READ_BUFFER_BYTES = 16 * 1024;
    /** Buffers a ring starts with, and most it grows to when reads find it empty. */
    private static final int READ_BUFFERS_FIRST = 64;
    private static final int READ_BUFFERS_MOST = 256;

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
     * The event loops of this process: {@code threads} of them on the transport {@code -Dgatehouse.transport}
     * names, or on the best one that starts here. Left to choose, a transport whose loops fail to start
     * (io_uring's rings beyond the locked-memory limit of kernels before 5.12) gives way to the next, with a
     * warning; a transport named explicitly that fails stops the start. Channels on these loops take their
     * classes from {@link #of(EventLoop)}.
     *
     * @throws ConfigException the property names no transport, or one that cannot run here (with the reason)
     */
    public static EventLoopGroup eventLoopsOfThisProcess(int threads) throws ConfigException {
        return startLoops(System.getProperty(PROPERTY), threads, Transport::eventLoops);
    }

    /** {@link #eventLoopsOfThisProcess(int)} for the property value {@code name}, loops made by {@code make}. */
    static EventLoopGroup startLoops(String name, int threads, BiFunction<Transport, Integer, EventLoopGroup> make)
            throws ConfigException {
        Transport first = named(name);
        if (!isAuto(name)) {
            try {
                return make.apply(first, threads);
            } catch (RuntimeException e) {
                throw new ConfigException(ConfigLocation.synthetic("-D" + PROPERTY),
                        first + " event loops cannot start here: " + rootMessage(e), e);
            }
        }
        for (Transport t = first; ; t = t.next()) {
            try {
                return make.apply(t, threads);
            } catch (RuntimeException e) {
                if (t == NIO) {
                    throw e;
                }
                log.warn("{} event loops cannot start here ({}); using {} instead", t, rootMessage(e), t.next());
            }
        }
    }

    /**
     * The transport {@code -Dgatehouse.transport} set to {@code name} names ({@code null}, blank or
     * {@code auto}: the best available).
     *
     * @throws ConfigException {@code name} names no transport, or one that cannot run here (with the reason)
     */
    static Transport named(String name) throws ConfigException {
        if (isAuto(name)) {
            return best();
        }
        ConfigLocation where = ConfigLocation.synthetic("-D" + PROPERTY);
        for (Transport t : values()) {
            if (t.label.equalsIgnoreCase(name.trim())) {
                Throwable cause = t.unavailabilityCause();
                if (cause != null) {
                    throw new ConfigException(where, t.label + " cannot run here: " + rootMessage(cause), cause);
                }
                return t;
            }
        }
        throw new ConfigException(where, "'" + name + "' is not a transport; use auto, "
                + Arrays.stream(values()).map(t -> t.label).collect(Collectors.joining(", ")));
    }

    private static boolean isAuto(String name) {
        return name == null || name.isBlank() || name.trim().equalsIgnoreCase("auto");
    }

    /** The next transport after this one that is available here (NIO always is). */
    private Transport next() {
        return firstAvailableFrom(ordinal() + 1);
    }

    private static Transport firstAvailableFrom(int index) {
        for (int i = index; i < values().length; i++) {
            if (values()[i].unavailabilityCause() == null) {
                return values()[i];
            }
        }
        return NIO;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root;
    }

    /** The first transport of io_uring, epoll and NIO that is available here. */
    public static Transport best() {
        return firstAvailableFrom(0);
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

    /**
     * io_uring event loops, each with a ring of read buffers its connections read into where the kernel
     * has buffer rings.
     */
    private static IoHandlerFactory ioUringHandlers() {
        IoUringIoHandlerConfig config = new IoUringIoHandlerConfig();
        if (readsIntoBufferRings()) {
            config.setBufferRingConfig(IoUringBufferRingConfig.builder()
                    .bufferGroupId(READ_BUFFERS)
                    .bufferRingSize((short) READ_BUFFERS_MOST)
                    .batchSize(READ_BUFFERS_FIRST)
                    .allocator(new IoUringFixedBufferRingAllocator(READ_BUFFER_BYTES))
                    .build());
        }
        return IoUringIoHandler.newFactory(config);
    }

    /**
     * Whether connections on io_uring loops read into the loops' buffer rings: where the kernel consumes
     * them incrementally (6.12 and later). Rings without it (5.19-6.11) give every read a whole 16 KiB
     * buffer, which a slow client sending a record a few bytes at a time could keep, one per connection.
     */
    static boolean readsIntoBufferRings() {
        return IoUring.isAvailable() && IoUring.isRegisterBufferRingSupported()
                && IoUring.isRegisterBufferRingIncSupported();
    }

    /**
     * How connections on this transport's loops read, for a short line in the start-up log: on io_uring
     * {@code "reading into buffer rings"} or {@code "reading without buffer rings (Linux 6.12 or later
     * has them)"}, else empty.
     */
    public String reads() {
        if (this != IO_URING) {
            return "";
        }
        return readsIntoBufferRings() ? "reading into buffer rings"
                : "reading without buffer rings (Linux 6.12 or later has them)";
    }

    /**
     * Gives the connections {@code b} makes on this transport's loops what every connection here takes: on
     * io_uring, reads into the loop's ring of read buffers.
     */
    public Bootstrap connectionOptions(Bootstrap b) {
        if (this == IO_URING && readsIntoBufferRings()) {
            b.option(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, READ_BUFFERS);
        }
        return b;
    }

    /** {@link #connectionOptions(Bootstrap)} for the connections {@code b} accepts. */
    public ServerBootstrap connectionOptions(ServerBootstrap b) {
        if (this == IO_URING && readsIntoBufferRings()) {
            b.childOption(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, READ_BUFFERS);
        }
        return b;
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
