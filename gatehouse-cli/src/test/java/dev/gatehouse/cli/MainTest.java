package dev.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.cli.CaCommandTest.Cli;
import org.junit.jupiter.api.Test;

/** The {@code gatehouse} command itself: usage and usage errors, run in-process through {@link Main#run}. */
class MainTest {
    @Test
    void bareGatehousePrintsTheUsageOnceAndExitsTwo() {
        Cli.Result r = Cli.run();
        assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("Usage: gatehouse ");
        assertThat(r.err().split("Usage: gatehouse", -1)).as(r.err()).hasSize(2);
        assertThat(r.err()).contains("verify", "validate", "serve", "completion");
    }

    @Test
    void aMissingOptionPrintsTheErrorAndAOneLineHintNotTheWholeHelp() {
        Cli.Result r = Cli.run("validate");
        assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).isEqualTo("gatehouse: Missing required option: '--config=FILE'\n"
                + "Try 'gatehouse validate --help' for more information.\n");
        assertThat(r.out()).isEmpty();

        Cli.Result verb = Cli.run("ca");
        assertThat(verb.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(verb.err()).doesNotContain("Usage:").endsWith("Try 'gatehouse ca --help' for more information.\n");
    }

    @Test
    void anUnknownOptionSuggestsTheNearestAndTheHint() {
        Cli.Result r = Cli.run("verify", "--trust-stor", "ca.pem");
        assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).startsWith("gatehouse: Unknown option: '--trust-stor'")
                .contains("--trust-store")
                .endsWith("Try 'gatehouse verify --help' for more information.\n")
                .doesNotContain("Usage:");
    }
}
