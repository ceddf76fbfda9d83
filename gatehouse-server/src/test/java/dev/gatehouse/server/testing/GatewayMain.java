package dev.gatehouse.server.testing;

import dev.gatehouse.server.Gateway;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.config.ListenerConfig;
import dev.gatehouse.server.listener.ListenerRuntime;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A gateway in a process of its own, for tests that need a JVM with its own limits ({@code -Xmx},
 * {@code -XX:MaxDirectMemorySize}) and real clients: {@code GatewayMain CONFIG.yaml}. Driven by
 * {@link GatewayProcess}.
 *
 * <h2>Protocol</h2>
 * Standard output carries only the lines below (logs go to standard error):
 * <ul>
 *   <li>at start, {@code PORT <listener> <port>} per listener, then {@code READY};
 *       a configuration that does not start: the error on standard error and exit code 2;</li>
 *   <li>{@code memory} on standard input: {@code MEMORY heap=B nettyDirect=B pooledDirect=B jdkDirect=B
 *       inFlight=N} (heap in use, Netty's direct-memory counter, direct memory the pooled allocator holds
 *       in its arenas, the JDK's direct buffer pool, requests in flight on all listeners);</li>
 *   <li>{@code leaks} on standard input: forces a collection and polls Netty's leak detectors, then
 *       {@code LEAKS n} (the reports themselves go to standard error);</li>
 *   <li>{@code generation} on standard input: {@code GENERATION n ok|failed LIVE_STATES};</li>
 *   <li>SIGHUP reloads and SIGUSR1 reopens the logs, as {@code gatehouse serve} does;</li>
 *   <li>end of standard input, or SIGTERM: graceful stop, exit code 0.</li>
 * </ul>
 */
public final class GatewayMain {
    private GatewayMain() {}

    public static void main(String[] args) throws Exception {
        LeakDetectionExtension.install();
        Gateway gateway;
        try {
            gateway = Gateway.start(ConfigParser.parse(Path.of(args[0])));
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> gateway.stop(Duration.ofSeconds(2)), "stop"));
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> gateway.requestReload("SIGHUP"));
        sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> gateway.reopenLogs());
        for (ListenerConfig l : gateway.config().listeners()) {
            System.out.println("PORT " + l.name() + " " + gateway.boundPort(l.name()));
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "memory" -> System.out.println(memory(gateway));
                case "generation" -> System.out.println("GENERATION " + gateway.generation() + " "
                        + (gateway.lastReload().success() ? "ok" : "failed") + " " + gateway.liveStates());
                case "leaks" -> {
                    LeakDetectionExtension.collectAndPoll();
                    List<String> leaks = LeakDetectionExtension.takeLeaks();
                    leaks.forEach(System.err::println);
                    System.out.println("LEAKS " + leaks.size());
                }
                default -> System.out.println("UNKNOWN " + line);
            }
            System.out.flush();
        }
        gateway.stop(Duration.ofSeconds(2));
        System.exit(0);
    }

    private static String memory(Gateway gateway) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long jdkDirect = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        int inFlight = 0;
        for (ListenerRuntime l : gateway.state().listeners().values()) {
            inFlight += l.http().inFlight();
        }
        return "MEMORY heap=" + heap.getUsed()
                + " nettyDirect=" + PlatformDependent.usedDirectMemory()
                + " pooledDirect=" + PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + " jdkDirect=" + jdkDirect
                + " inFlight=" + inFlight;
    }
}
