package dev.gatehouse.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.server.config.ConfigException;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Event loops pinned to CPUs, checked on the threads themselves: what the kernel says each loop thread may
 * run on ({@code /proc/<pid>/task/<tid>/status}).
 */
class CpuAffinityTest {

    @Test
    void cpuListsAreReadAsTheKernelWritesThem() {
        assertThat(CpuAffinity.parseCpuList("0-1\n")).containsExactly(0, 1);
        assertThat(CpuAffinity.parseCpuList(" 0,2-3,7 ")).containsExactly(0, 2, 3, 7);
        assertThat(CpuAffinity.parseCpuList("5")).containsExactly(5);
        for (String bad : new String[] {"", "a", "3-1", "1-", "-2"}) {
            assertThatThrownBy(() -> CpuAffinity.parseCpuList(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a CPU list");
        }
    }

    @Test
    void theSettingIsOnOrOffAndAnythingElseIsRefusedByName() throws Exception {
        assertThatThrownBy(() -> CpuAffinity.of("auto"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-Dgatehouse.cpuAffinity")
                .hasMessageContaining("'auto' is not a setting; use on or off");
        CpuAffinity.of(" ON ");
        CpuAffinity.of("off");
    }

    @Test
    void asManyLoopsAsCpusGetACpuEach() throws Exception {
        List<Integer> cpus = linuxCpusWithTaskset();
        EventLoopGroup loops = Transport.best().eventLoops(cpus.size());
        try {
            String said = CpuAffinity.of("on").pin(loops);
            assertThat(said).startsWith("each on a CPU of its own (");
            List<String> allowed = new ArrayList<>();
            for (EventExecutor loop : loops) {
                allowed.add(allowedOf(loop));
            }
            assertThat(allowed).containsExactlyElementsOf(cpus.stream().map(String::valueOf).toList());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void unsetOffOrAMismatchedCountLeavesTheLoopsFree() throws Exception {
        List<Integer> cpus = linuxCpusWithTaskset();
        String all = String.join(",", cpus.stream().map(String::valueOf).toList());
        EventLoopGroup same = Transport.best().eventLoops(cpus.size());
        EventLoopGroup more = Transport.best().eventLoops(cpus.size() + 1);
        EventLoopGroup one = Transport.best().eventLoops(1);
        try {
            assertThat(CpuAffinity.of(null).pin(same)).isEqualTo("not pinned to CPUs");
            assertThat(CpuAffinity.of("off").pin(same)).isEqualTo("not pinned to CPUs");
            assertThat(CpuAffinity.of("on").pin(more)).isEqualTo("not pinned to CPUs: " + (cpus.size() + 1)
                    + " event loops for " + cpus.size() + " CPUs this process may run on");
            assertThat(CpuAffinity.of("on").pin(one)).startsWith("not pinned to CPUs: 1 event loop for ");
            for (EventLoopGroup g : List.of(same, more, one)) {
                for (EventExecutor loop : g) {
                    assertThat(CpuAffinity.parseCpuList(allowedOf(loop))).containsExactlyElementsOf(cpus);
                }
            }
        } finally {
            for (EventLoopGroup g : List.of(same, more, one)) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /** The CPUs this process may use, where pinning can be tested: Linux, two or more CPUs, taskset present. */
    private static List<Integer> linuxCpusWithTaskset() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "not Linux");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")) || Files.isExecutable(Path.of("/bin/taskset")),
                "no taskset here");
        List<Integer> cpus = CpuAffinity.allowedCpus();
        assumeTrue(cpus.size() >= 2, "one CPU: nothing to pin apart");
        return cpus;
    }

    /** The kernel's {@code Cpus_allowed_list} of the thread running {@code loop}. */
    private static String allowedOf(EventExecutor loop) throws Exception {
        long tid = CpuAffinity.threadId(loop);
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        throw new AssertionError("no Cpus_allowed_list for thread " + tid);
    }
}
