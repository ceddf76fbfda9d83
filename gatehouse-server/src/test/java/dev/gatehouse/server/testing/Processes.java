package dev.gatehouse.server.testing;

import dev.gatehouse.pki.testing.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs real command-line clients ({@code curl}, {@code openssl}) with a time limit; a test whose tool is not
 * installed is skipped, saying so ({@link Tools#assumeInstalled}).
 */
public final class Processes {
    private Processes() {}

    /** What a finished process left: exit code, stdout, stderr. */
    public record Result(int exitCode, String stdout, String stderr) {
        public String all() {
            return stdout + stderr;
        }
    }

    public static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, null, 30);
    }

    /**
     * @param stdin   text written to the process's standard input (then closed), or {@code null}
     * @param seconds the time limit; the process is killed and an {@link AssertionError} thrown past it
     */
    public static Result run(List<String> command, String stdin, int seconds) throws IOException, InterruptedException {
        Tools.assumeInstalled(command.get(0));
        ProcessBuilder pb = new ProcessBuilder(command);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread to = pump(p.getInputStream(), out);
        Thread te = pump(p.getErrorStream(), err);
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The process ended (or closed its input) before reading all of it, as openssl may: its exit
            // code and output below are the result.
        }
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + seconds + "s: " + command);
        }
        to.join(5000);
        te.join(5000);
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(sink);
            } catch (IOException ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** {@code openssl x509 -noout OPTIONS -in file}, output trimmed. */
    public static String openssl(Path certificate, String... options) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "x509", "-noout"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-in", certificate.toString()));
        Result r = run(cmd);
        if (r.exitCode() != 0) {
            throw new AssertionError("openssl failed: " + r.all());
        }
        return r.stdout().trim();
    }
}
