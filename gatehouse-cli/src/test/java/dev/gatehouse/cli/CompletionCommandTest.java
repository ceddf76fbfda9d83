package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.CaCommandTest.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse completion}: the script it prints completes commands, options and values in a real bash. */
class CompletionCommandTest {
    @TempDir
    Path dir;

    /** What the printed script offers for the words typed so far (the last one being completed). */
    String complete(Path script, String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append('\'');
        }
        String bash = "source '" + script + "'\n"
                + "COMP_WORDS=(" + array + " )\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "COMP_LINE=\"${COMP_WORDS[*]}\"\nCOMP_POINT=${#COMP_LINE}\n"
                + "_complete_gatehouse gatehouse '" + words[words.length - 1] + "' '" + words[words.length - 2] + "'\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", bash).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void theScriptCompletesCommandsOptionsAndValuesInBash() throws Exception {
        Cli.Result r = Cli.ok("completion");
        assertThat(r.out()).contains("complete -F _complete_gatehouse");
        Path script = Files.writeString(dir.resolve("gatehouse.bash"), r.out());

        assertThat(complete(script, "gatehouse", "ve").lines()).contains("verify");
        assertThat(complete(script, "gatehouse", "verify", "--lis").lines()).contains("--listener");
        assertThat(complete(script, "gatehouse", "verify", "--format", "").lines()).contains("text", "json");
        assertThat(complete(script, "gatehouse", "ca", "").lines()).contains("init", "issue", "revoke", "crl", "list");
    }
}
