package dev.gatehouse.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link GatewayMain} in a child JVM started with the test classpath and the given JVM options: its
 * bound ports, its memory as the kernel sees it ({@code VmRSS}) and as the JVM and Netty count it, and
 * its standard error (the logs) for assertions. {@link #close} ends standard input (a graceful stop)
 * and kills the process if it has not exited 10 seconds later.
 */
public final class GatewayProcess implements AutoCloseable {
    /** What the child counts ({@code memory} command); bytes. */
    public record Memory(long heap, long nettyDirect, long pooledDirect, long jdkDirect, int inFlight) {
        /** Direct memory by the larger of Netty's counter and the JDK's pool (which is used depends on Netty's cleaner choice). */
        public long direct() {
            return Math.max(nettyDirect, jdkDirect);
        }

        @Override
        public String toString() {
            return String.format("heap %d MiB, direct %d KiB (netty %d KiB, pooled arenas %d KiB, jdk %d KiB), in flight %d",
                    heap >> 20, direct() >> 10, nettyDirect >> 10, pooledDirect >> 10, jdkDirect >> 10, inFlight);
        }
    }

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Map<String, Integer> ports = new HashMap<>();

    private GatewayProcess(Process process) {
        this.process = process;
        this.commands = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts {@code GatewayMain config} in a new JVM and waits (up to 60 s) until every listener is bound.
     *
     * @param jvmOptions e.g. {@code -Xmx128m}
     * @throws AssertionError if the gateway exits or does not become ready; the message holds its logs
     */
    public static GatewayProcess start(Path config, List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(), config.toString()));
        GatewayProcess g = new GatewayProcess(new ProcessBuilder(cmd).start());
        g.pumpStderr(g.process.getErrorStream());
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(g.process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    g.replies.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "gateway-stdout");
        out.setDaemon(true);
        out.start();
        while (true) {
            String line = g.reply(60);
            if (line.equals("READY")) {
                return g;
            }
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals("PORT")) {
                g.ports.put(f[1], Integer.parseInt(f[2]));
            }
        }
    }

    private void pumpStderr(InputStream in) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stderr.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "gateway-stderr");
        t.setDaemon(true);
        t.start();
    }

    private String reply(int seconds) throws InterruptedException {
        String line = replies.poll(seconds, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("the gateway process did not answer within " + seconds + " s (alive: "
                    + process.isAlive() + "); its log:\n" + logs());
        }
        return line;
    }

    private String command(String command, String replyPrefix) throws IOException, InterruptedException {
        commands.write(command + "\n");
        commands.flush();
        while (true) {
            String line = reply(60);
            if (line.startsWith(replyPrefix)) {
                return line;
            }
        }
    }

    public int port(String listener) {
        Integer p = ports.get(listener);
        if (p == null) {
            throw new IllegalArgumentException("no listener " + listener + " (expected one of: " + ports.keySet() + ")");
        }
        return p;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Resident set size from {@code /proc/PID/status} ({@code VmRSS}), in bytes. */
    public long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** What the JVM and Netty count. */
    public Memory memory() throws IOException, InterruptedException {
        Map<String, Long> v = new HashMap<>();
        for (String field : command("memory", "MEMORY ").substring("MEMORY ".length()).split(" ")) {
            int eq = field.indexOf('=');
            v.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
        }
        return new Memory(v.get("heap"), v.get("nettyDirect"), v.get("pooledDirect"), v.get("jdkDirect"),
                v.get("inFlight").intValue());
    }

    /** What {@code generation} answers: the configuration generation serving, and the last reload's outcome. */
    public record Generation(long generation, boolean lastReloadSucceeded, int liveStates) {}

    public Generation generation() throws IOException, InterruptedException {
        String[] f = command("generation", "GENERATION ").split(" ");
        return new Generation(Long.parseLong(f[1]), f[2].equals("ok"), Integer.parseInt(f[3]));
    }

    /** Sends a signal ({@code HUP}, {@code USR1}, ...) to the child with {@code kill}. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Forces a collection in the child and returns how many leaks Netty reported (details in {@link #logs()}). */
    public int leaks() throws IOException, InterruptedException {
        return Integer.parseInt(command("leaks", "LEAKS ").substring("LEAKS ".length()));
    }

    /** Everything the child wrote to standard error so far. */
    public String logs() {
        return stderr.toString();
    }

    /**
     * Graceful stop (end of standard input); kills the process after 10 s.
     *
     * @return the exit code
     */
    public int stop() throws InterruptedException {
        try {
            OutputStream in = process.getOutputStream();
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
