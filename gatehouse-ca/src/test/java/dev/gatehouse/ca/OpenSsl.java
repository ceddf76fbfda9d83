package dev.gatehouse.ca;

import dev.gatehouse.pki.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code openssl} binary (tests judge the CA's output by what OpenSSL says). */
final class OpenSsl {
    static final String BINARY = "openssl";

    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private OpenSsl() {
    }

    static Result run(String... args) throws IOException, InterruptedException {
        Tools.assumeInstalled(BINARY);
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl timed out: " + cmd);
        }
        return new Result(p.exitValue(), String.join(" ", cmd) + "\n" + new String(out, StandardCharsets.UTF_8));
    }

    /**
     * {@code openssl verify -x509_strict -purpose PURPOSE -CAfile ROOT [-untrusted UNTRUSTED]
     * [-crl_check -CRLfile CRL] LEAF}.
     */
    static Result verify(String purpose, Path root, Path untrusted, Path crl, Path leaf)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("verify", "-x509_strict", "-purpose", purpose, "-CAfile", root.toString()));
        if (untrusted != null) {
            args.add("-untrusted");
            args.add(untrusted.toString());
        }
        if (crl != null) {
            args.add("-crl_check");
            args.add("-CRLfile");
            args.add(crl.toString());
        }
        args.add(leaf.toString());
        return run(args.toArray(String[]::new));
    }
}
