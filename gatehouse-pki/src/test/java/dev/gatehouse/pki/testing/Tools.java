package dev.gatehouse.pki.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The command-line tools some tests run ({@code openssl}, {@code curl}): a test that needs one calls
 * {@link #assumeInstalled} first, so that without it the test is skipped, saying which tool is missing
 * and how to install it, rather than failing with an I/O error.
 */
public final class Tools {
    private static final Map<String, Boolean> FOUND = new ConcurrentHashMap<>();

    private Tools() {}

    /** Skips the calling test unless {@code tool} is an executable on PATH (or an absolute path to one). */
    public static void assumeInstalled(String tool) {
        assumeTrue(installed(tool), () -> tool + " is not installed: this test runs the real " + tool
                + " (apt-get install -y " + Path.of(tool).getFileName() + "; .ci/run installs it)");
    }

    /** Whether {@code tool} is an executable on PATH (or an absolute path to one). */
    public static boolean installed(String tool) {
        return FOUND.computeIfAbsent(tool, t -> {
            if (t.contains("/")) {
                return Files.isExecutable(Path.of(t));
            }
            String path = System.getenv("PATH");
            if (path == null) {
                return false;
            }
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, t))) {
                    return true;
                }
            }
            return false;
        });
    }
}
