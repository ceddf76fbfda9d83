package dev.gatehouse.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestHeadChecksTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/a", "/a/b/", "/a.b/..c/...", "/a/b?x=/../&y=%2F", "/caf%C3%A9", "/a.", "/.a/b..",
            "/a;b=c/d"})
    void aPathThatNeedsNoChangeIsReturnedAsIs(String uri) throws Exception {
        assertThat(RequestHeadChecks.normalize(uri)).isSameAs(uri);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/./a, /a", "/a/., /a/", "/a/.., /", "/a/b/../c, /a/c", "//a//b, /a/b", "/a//, /a/", "/%61%62, /ab",
            "/%2e%2E/.., ''", "/a/%2e%2e/b, /b", "/%7e, /~", "/caf%c3%a9, /caf%C3%A9", "/a/./b/../../c?q=./.., /c?q=./..",
            "/x/..//y, /y", "/.., ''"})
    void normalises(String uri, String expected) throws Exception {
        if (expected.isEmpty()) {
            assertThatThrownBy(() -> RequestHeadChecks.normalize(uri)).isInstanceOf(RequestHeadChecks.Malformed.class)
                    .hasMessage("path escapes the root");
        } else {
            assertThat(RequestHeadChecks.normalize(uri)).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/a%2fb", "/a%5Cb", "/%00", "/a\\b", "/a%", "/a%4", "/a%g1", "/a#b", "/a?b#c", "/a/%2e%2e/.."})
    void refuses(String uri) {
        assertThatThrownBy(() -> RequestHeadChecks.normalize(uri)).isInstanceOf(RequestHeadChecks.Malformed.class);
    }

    @Test
    void hosts() {
        assertThat(RequestHeadChecks.validHost("api.example.com")).isTrue();
        assertThat(RequestHeadChecks.validHost("api.example.com:8443")).isTrue();
        assertThat(RequestHeadChecks.validHost("[2001:db8::1]:443")).isTrue();
        assertThat(RequestHeadChecks.validHost("")).isTrue();
        assertThat(RequestHeadChecks.validHost("a b")).isFalse();
        assertThat(RequestHeadChecks.validHost("a/b")).isFalse();
        assertThat(RequestHeadChecks.validHost("user@a")).isFalse();
        assertThat(RequestHeadChecks.validHost("a:80x")).isFalse();
        assertThat(RequestHeadChecks.validHost("[::1")).isFalse();
    }
}
