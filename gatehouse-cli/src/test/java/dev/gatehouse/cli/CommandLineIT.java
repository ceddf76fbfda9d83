package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/gatehouse} as a user installs it: symlinked into a directory on PATH and run from elsewhere. */
class CommandLineIT {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {}

    static Path root() {
        return Path.of(System.getProperty("maven.multiModuleProjectDirectory", "..")).toAbsolutePath().normalize();
    }

    static Path script() {
        return root().resolve("bin/gatehouse");
    }

    /** Runs {@code command} in sh, with {@code path} first on PATH and the temp directory as working directory. */
    Result sh(Path path, String command) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PATH", path + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("gatehouse did not finish").isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void runsWhenSymlinkedOntoPathEvenThroughARelativeLinkChain() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path opt = Files.createDirectories(dir.resolve("opt"));
        Files.createSymbolicLink(opt.resolve("gatehouse"), script());
        // bin/gh -> ../opt/gatehouse -> the project's bin/gatehouse
        Files.createSymbolicLink(bin.resolve("gh"), Path.of("../opt/gatehouse"));

        Result version = sh(bin, "gh --version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("gatehouse ");

        Result bare = sh(bin, "gh");
        assertThat(bare.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(bare.err().split("Usage: gatehouse", -1)).as(bare.err()).hasSize(2);

        Result missing = sh(bin, "gh verify");
        assertThat(missing.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(missing.err()).endsWith("Try 'gatehouse verify --help' for more information.\n").doesNotContain("Usage:");

        Result completion = sh(bin, "gh completion");
        assertThat(completion.exit()).isZero();
        assertThat(completion.out()).contains("complete -F _complete_gatehouse");
    }

    @Test
    void theBuildWritesAManPageOfEveryCommand() throws Exception {
        Path man = root().resolve("gatehouse-cli/target/man");
        for (String page : new String[] {"gatehouse", "gatehouse-verify", "gatehouse-validate", "gatehouse-serve",
                "gatehouse-ca-init", "gatehouse-completion"}) {
            assertThat(man.resolve(page + ".adoc")).isRegularFile();
        }
        assertThat(Files.readString(man.resolve("gatehouse-verify.adoc")))
                .contains(":doctype: manpage", "--listener", "--config", "--trust-store");
    }

    @Test
    void theRunnableJarKeepsItsManifestEveryNettyVersionAndEveryLicence() throws Exception {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root().resolve("gatehouse-cli/target/gatehouse.jar").toFile())) {
            java.util.jar.Attributes main = jar.getManifest().getMainAttributes();
            assertThat(main.getValue("Main-Class")).isEqualTo("dev.gatehouse.cli.Main");
            assertThat(main.getValue("Implementation-Version")).isNotBlank();
            String versions = new String(jar.getInputStream(jar.getEntry("META-INF/io.netty.versions.properties")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(versions).contains("netty-handler.version=", "netty-codec-http2.version=", "netty-common.version=");
            String licences = new String(jar.getInputStream(jar.getEntry("META-INF/LICENSE.txt")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(licences).contains("Apache License", "Permission is hereby granted");
            assertThat(jar.stream().filter(e -> e.getName().startsWith("META-INF/native/") && e.getName().contains("tcnative")))
                    .hasSizeGreaterThanOrEqualTo(4);
        }
    }
}
