package dev.gatehouse.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code when.query}: the named parameter, decoded, any of its values. */
class QueryConditionTest {
    static boolean matches(String uri, String key, String... patterns) {
        return Conditions.queryMatches(uri, key,
                java.util.Arrays.stream(patterns).map(dev.gatehouse.server.authz.Wildcards::request).toList());
    }

    @Test
    void matchesAnyValueOfTheNamedParameter() {
        assertThat(matches("/s?debug=1", "debug", "1")).isTrue();
        assertThat(matches("/s?a=2&debug=0&debug=1", "debug", "1")).isTrue();
        assertThat(matches("/s?debug=0", "debug", "1")).isFalse();
        assertThat(matches("/s?debugx=1", "debug", "1")).isFalse();
        assertThat(matches("/s?xdebug=1", "debug", "1")).isFalse();
        assertThat(matches("/s", "debug", "*")).isFalse();
        assertThat(matches("/s?debug", "debug", "")).isTrue();
        assertThat(matches("/s?debug=", "debug", "")).isTrue();
        assertThat(matches("/s?v=2.1-beta", "v", "2.*")).isTrue();
        assertThat(matches("/s?&&v=2&", "v", "2")).isTrue();
    }

    @Test
    void namesAndValuesAreDecoded() {
        assertThat(matches("/s?na%6De=a%20b", "name", "a b")).isTrue();
        assertThat(matches("/s?q=a+b", "q", "a b")).isTrue();
        assertThat(matches("/s?q=%2Fadmin", "q", "/admin")).isTrue();
        assertThat(matches("/s?q=x#q=y", "q", "y")).isFalse();
    }
}
