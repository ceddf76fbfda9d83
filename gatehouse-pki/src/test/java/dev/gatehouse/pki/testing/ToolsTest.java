package dev.gatehouse.pki.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ToolsTest {
    @Test
    void aMissingToolSkipsTheTestNamingItAndHowToInstallIt() {
        assertThatThrownBy(() -> Tools.assumeInstalled("gatehouse-no-such-tool"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("gatehouse-no-such-tool is not installed")
                .hasMessageContaining("apt-get install -y gatehouse-no-such-tool");
        assertThat(Tools.installed("/nonexistent/openssl")).isFalse();
    }

    @Test
    void aToolOnPathIsFound() {
        assertThat(Tools.installed("sh")).isTrue();
        Tools.assumeInstalled("sh");
    }
}
