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
    void aWarmupThatIsNoDurationIsAUsageErrorNamingTheOptionAndTheValue() {
        Cli.Result r = Cli.run("serve", "--warmup", "40", "--config", "gatehouse.yaml");
        assertThat(r.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("--warmup").contains("'40' has no unit")
                .contains("(expected: a duration such as 250ms, 5s, 2m, 1h or 1m30s, or 0 for none)")
                .endsWith("Try 'gatehouse serve --help' for more information.\n");

        Cli.Result bad = Cli.run("serve", "--warmup", "forty", "--config", "gatehouse.yaml");
        assertThat(bad.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(bad.err()).contains("'forty' is not a duration");
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
