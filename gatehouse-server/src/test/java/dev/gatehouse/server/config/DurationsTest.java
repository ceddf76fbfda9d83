package dev.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void formatWritesWhatParseReads() {
        assertThat(Durations.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Durations.format(Duration.ofSeconds(3661))).isEqualTo("1h1m1s");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        for (String text : new String[] {"10m", "1m30s", "1h1m1s", "250ms", "2h", "45s"}) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }
    }

    @Test
    void aYearIsTheLongestDuration() {
        assertThat(Durations.parse("8760h")).isEqualTo(Durations.MAX);
        assertThat(Durations.parse("8759h59m59s")).isLessThan(Durations.MAX);
        // Longer would overflow a timer's nanoseconds from now at the latest at about 292 years: refused here.
        assertThatThrownBy(() -> Durations.parse("8760h1ms")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'8760h1ms' is longer than a year (expected: at most 8760h)");
        assertThatThrownBy(() -> Durations.parse("999999999h")).hasMessageContaining("longer than a year");
    }
}
