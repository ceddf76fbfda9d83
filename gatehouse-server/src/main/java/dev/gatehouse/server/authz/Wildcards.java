package dev.gatehouse.server.authz;

/**
 * The one wildcard matcher of rule patterns, compiled once: request patterns (host, path, header and
 * query values: {@code *} any run, {@code ?} one character) and identity patterns ({@code *} only). A {@code *} matches any run of characters
 * (also none) that does not contain the pattern's separator: a dot in DNS names, a slash in URIs, an
 * {@code @} in e-mail addresses. Since a {@code *} never crosses a separator, a pattern and a value
 * match exactly when they have the same number of separator-delimited segments and each pair of
 * segments matches.
 *
 * <p>Immutable and thread-safe; {@link #matches} allocates nothing.
 */
public final class Wildcards {
    /** No separator: {@code *} matches anything. */
    static final char NONE = '\0';

    private final String pattern;
    private final char separator;
    private final boolean ignoreCase;
    private final boolean questionMark;

    private Wildcards(String pattern, char separator, boolean ignoreCase) {
        this(pattern, separator, ignoreCase, false);
    }

    private Wildcards(String pattern, char separator, boolean ignoreCase, boolean questionMark) {
        this.pattern = pattern;
        this.separator = separator;
        this.ignoreCase = ignoreCase;
        this.questionMark = questionMark;
    }

    /**
     * A request pattern: {@code *} matches any run of characters (also {@code /} and {@code .}), {@code ?}
     * exactly one; case-sensitive (callers lower-case both sides where case does not matter).
     */
    public static Wildcards request(String pattern) {
        return new Wildcards(pattern, NONE, false, true);
    }

    static Wildcards dns(String pattern) {
        return new Wildcards(pattern, '.', true);
    }

    static Wildcards uri(String pattern) {
        return new Wildcards(pattern, '/', false);
    }

    static Wildcards email(String pattern) {
        return new Wildcards(pattern, '@', true);
    }

    /** A pattern where {@code *} matches any run of characters. */
    static Wildcards anything(String pattern, boolean ignoreCase) {
        return new Wildcards(pattern, NONE, ignoreCase);
    }

    public boolean matches(String value) {
        if (separator == NONE) {
            return glob(pattern, 0, pattern.length(), value, 0, value.length());
        }
        int p = 0;
        int s = 0;
        while (true) {
            int pEnd = pattern.indexOf(separator, p);
            int sEnd = value.indexOf(separator, s);
            if ((pEnd < 0) != (sEnd < 0)) {
                return false;
            }
            int pe = pEnd < 0 ? pattern.length() : pEnd;
            int se = sEnd < 0 ? value.length() : sEnd;
            if (!glob(pattern, p, pe, value, s, se)) {
                return false;
            }
            if (pEnd < 0) {
                return true;
            }
            p = pEnd + 1;
            s = sEnd + 1;
        }
    }

    /**
     * {@code p[pi, pEnd)} against {@code s[si, sEnd)}: {@code *} matches any run, {@code ?} (request
     * patterns only) one character, every other character itself.
     */
    private boolean glob(String p, int pi, int pEnd, String s, int si, int sEnd) {
        int star = -1;
        int mark = si;
        while (si < sEnd) {
            if (pi < pEnd && p.charAt(pi) != '*'
                    && (questionMark && p.charAt(pi) == '?' || same(p.charAt(pi), s.charAt(si), ignoreCase))) {
                pi++;
                si++;
            } else if (pi < pEnd && p.charAt(pi) == '*') {
                star = pi++;
                mark = si;
            } else if (star >= 0) {
                pi = star + 1;
                si = ++mark;
            } else {
                return false;
            }
        }
        while (pi < pEnd && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == pEnd;
    }

    private static boolean same(char a, char b, boolean ignoreCase) {
        if (a == b) {
            return true;
        }
        return ignoreCase && (Character.toLowerCase(a) == Character.toLowerCase(b)
                || Character.toUpperCase(a) == Character.toUpperCase(b));
    }

    @Override
    public String toString() {
        return pattern;
    }
}
