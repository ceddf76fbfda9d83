package dev.gatehouse.server.transport;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each event loop a CPU of its own, if asked: {@code -Dgatehouse.cpuAffinity=on}; {@code off} (the
 * default) leaves the loops to the kernel's scheduler.
 *
 * <p>Why one would: an event loop under load is nearly always runnable, and the scheduler, left to place
 * the loops, at times keeps two of them on one CPU for seconds while the other CPU runs something else;
 * each loop then waits out the other's time slice, and the requests of its connections wait with it.
 * Why it is not the default: a pinned loop cannot move either, and a busy neighbour on its CPU (a
 * single-threaded client or target on the same machine) then holds it up while another CPU idles. Both
 * were measured on 2 cores shared with the load tool and the target (bench/README.md "Event loops on
 * CPUs of their own"): pinned, keep-alive p99 2.2-2.7 ms against 2.9-4.2 ms, and a third fewer new
 * connections per second. Pinning suits a host that runs the gateway alone.
 *
 * <p>{@code on} pins only where it cannot crowd the gateway onto fewer CPUs than it would otherwise use:
 * on Linux, with at least two loops and exactly as many loops as CPUs this process may run on (its
 * affinity mask, e.g. a container's cpuset). A CPU quota that gives the JVM fewer processors than the
 * mask allows leaves the loops unpinned, free to run on any CPU of the mask. Pinning is done with
 * util-linux's {@code taskset} (the JDK has no call for it), once, when the loops start; where it is
 * missing or refused the loops run unpinned, with a warning.
 */
public final class CpuAffinity {
    /** The system property that turns pinning {@code on}, or {@code off} (unset: off). */
    public static final String PROPERTY = "gatehouse.cpuAffinity";

    private static final Logger log = LoggerFactory.getLogger(CpuAffinity.class);
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    private final boolean enabled;

    private CpuAffinity(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * The setting {@code -Dgatehouse.cpuAffinity} gives. Read before the loops start, so that a wrong value
     * stops the start before anything runs.
     *
     * @throws ConfigException the value is neither {@code on} nor {@code off}
     */
    public static CpuAffinity fromProperty() throws ConfigException {
        return of(System.getProperty(PROPERTY));
    }

    static CpuAffinity of(String value) throws ConfigException {
        if (value == null || value.isBlank() || value.trim().equalsIgnoreCase("off")) {
            return new CpuAffinity(false);
        }
        if (value.trim().equalsIgnoreCase("on")) {
            return new CpuAffinity(true);
        }
        throw new ConfigException(ConfigLocation.synthetic("-D" + PROPERTY),
                "'" + value + "' is not a setting; use on or off");
    }

    /**
     * Pins each loop of {@code loops} to its own CPU if this setting and the machine allow it (see the class
     * comment). Never fails: what could not be done is said in the result (and, if it was refused, in a
     * warning), and the loops then run unpinned.
     *
     * @return for the log: {@code "each on a CPU of its own (0, 1)"} or {@code "not pinned to CPUs: <why>"}
     */
    public String pin(EventLoopGroup loops) {
        if (!enabled) {
            return "not pinned to CPUs";
        }
        List<EventExecutor> executors = new ArrayList<>();
        loops.forEach(executors::add);
        List<Integer> cpus;
        try {
            cpus = allowedCpus();
        } catch (IOException | IllegalArgumentException e) {
            return "not pinned to CPUs: the CPUs this process may run on are unknown (" + e.getMessage() + ")";
        }
        if (executors.size() < 2 || executors.size() != cpus.size()) {
            return "not pinned to CPUs: " + executors.size() + (executors.size() == 1 ? " event loop" : " event loops")
                    + " for " + cpus.size() + (cpus.size() == 1 ? " CPU" : " CPUs") + " this process may run on";
        }
        String taskset = onPath("taskset");
        if (taskset == null) {
            return "not pinned to CPUs: no taskset command (util-linux) on the PATH";
        }
        List<Long> pinned = new ArrayList<>();
        try {
            for (int i = 0; i < executors.size(); i++) {
                long tid = threadId(executors.get(i));
                setAffinity(taskset, tid, String.valueOf(cpus.get(i)));
                pinned.add(tid);
            }
        } catch (IOException | RuntimeException e) {
            String all = cpus.stream().map(String::valueOf).collect(Collectors.joining(","));
            for (long tid : pinned) {
                try {
                    setAffinity(taskset, tid, all);
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            log.warn("event loops not pinned to CPUs: {}", e.getMessage());
            return "not pinned to CPUs: " + e.getMessage();
        }
        return "each on a CPU of its own (" + cpus.stream().map(String::valueOf).collect(Collectors.joining(", "))
                + ")";
    }

    /** The CPUs this process may run on, from {@code Cpus_allowed_list} of {@code /proc/self/status}. */
    static List<Integer> allowedCpus() throws IOException {
        if (!Files.isReadable(STATUS)) {
            throw new IOException(STATUS + " is not readable (not Linux?)");
        }
        for (String line : Files.readAllLines(STATUS, StandardCharsets.UTF_8)) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return parseCpuList(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new IOException(STATUS + " has no Cpus_allowed_list");
    }

    /**
     * The CPUs of a kernel CPU list such as {@code 0-3,8,10-11}, in ascending order.
     *
     * @throws IllegalArgumentException {@code list} is not such a list
     */
    static List<Integer> parseCpuList(String list) {
        TreeSet<Integer> cpus = new TreeSet<>();
        for (String part : list.trim().split(",")) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
                if (from < 0 || to < from) {
                    throw new NumberFormatException();
                }
                for (int c = from; c <= to; c++) {
                    cpus.add(c);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + list.trim() + "' is not a CPU list");
            }
        }
        return List.copyOf(cpus);
    }

    /** The kernel's id of the thread that runs {@code loop}, read on that thread. */
    static long threadId(EventExecutor loop) throws IOException {
        try {
            return loop.submit(CpuAffinity::currentThreadId).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("an event loop did not answer within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code <pid>/task/<tid>}. */
    static long currentThreadId() throws IOException {
        Path link = Files.readSymbolicLink(THREAD_SELF);
        return Long.parseLong(link.getFileName().toString());
    }

    private static void setAffinity(String taskset, long tid, String cpuList) throws IOException {
        Process p = new ProcessBuilder(taskset, "-p", "-c", cpuList, String.valueOf(tid))
                .redirectErrorStream(true).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("taskset did not finish within 5 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException("taskset -p -c " + cpuList + " " + tid + " failed (exit " + p.exitValue() + "): "
                    + out.replace('\n', ' '));
        }
    }

    private static String onPath(String command) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(File.pathSeparator)));
        dirs.add("/usr/bin");
        dirs.add("/bin");
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, command);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }
}
