package dev.gatehouse.clientcert.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrBlockTest {

    @Test
    void ipv4Blocks() {
        CidrBlock block = CidrBlock.parse("10.0.0.0/8");
        assertThat(block.contains("10.255.1.2")).isTrue();
        assertThat(block.contains("11.0.0.1")).isFalse();
        assertThat(block.contains("::ffff:10.1.2.3")).isTrue();
        assertThat(block.toString()).isEqualTo("10.0.0.0/8");
        assertThat(CidrBlock.parse("127.0.0.1").contains("127.0.0.1")).isTrue();
        assertThat(CidrBlock.parse("127.0.0.1").contains("127.0.0.2")).isFalse();
        assertThat(CidrBlock.parse("0.0.0.0/0").contains("203.0.113.9")).isTrue();
        assertThat(CidrBlock.parse("192.168.4.0/23").contains("192.168.5.200")).isTrue();
        assertThat(CidrBlock.parse("192.168.4.0/23").contains("192.168.6.1")).isFalse();
    }

    @Test
    void ipv6Blocks() {
        CidrBlock block = CidrBlock.parse("fd00::/8");
        assertThat(block.contains("fd12:3456::1")).isTrue();
        assertThat(block.contains("[fd12:3456::1]")).isTrue();
        assertThat(block.contains("fe80::1")).isFalse();
        assertThat(block.contains("10.0.0.1")).isFalse();
        assertThat(CidrBlock.parse("::1").contains("0:0:0:0:0:0:0:1")).isTrue();
    }

    @Test
    void notAddressesNeverMatchAndNeverReachDns() {
        assertThat(CidrBlock.parse("0.0.0.0/0").contains("localhost")).isFalse();
        assertThat(CidrBlock.parse("0.0.0.0/0").contains("1.2.3")).isFalse();
        assertThat(CidrBlock.parse("0.0.0.0/0").contains((String) null)).isFalse();
        assertThatThrownBy(() -> CidrBlock.parse("proxy.internal/24"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: an IP address literal");
    }

    @Test
    void badPrefixesAndHostBits() {
        assertThatThrownBy(() -> CidrBlock.parse("10.0.0.1/8"))
                .hasMessage("CIDR block: '10.0.0.1/8': host bits are set (expected: 10.0.0.0/8)");
        assertThatThrownBy(() -> CidrBlock.parse("10.0.0.0/33")).hasMessageContaining("(expected: 0 to 32)");
        assertThatThrownBy(() -> CidrBlock.parse("::/129")).hasMessageContaining("(expected: 0 to 128)");
        assertThatThrownBy(() -> CidrBlock.parse("10.0.0.0/x")).hasMessageContaining("prefix 'x'");
    }
}
