package dev.gatehouse.server.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An invalid configuration: parse error, unknown key, wrong type, missing or unreadable file, a key
 * that does not match its certificate. The message always starts with {@code file:line: key: }; when
 * one reading found several independent problems, {@link #problems()} lists them and the message has one
 * line per problem.
 */
public final class ConfigException extends Exception {
    private final ConfigLocation location;
    private final List<ConfigException> problems;

    public ConfigException(ConfigLocation location, String problem) {
        super(location + ": " + problem);
        this.location = location;
        this.problems = List.of(this);
    }

    public ConfigException(ConfigLocation location, String problem, Throwable cause) {
        super(location + ": " + problem, cause);
        this.location = location;
        this.problems = List.of(this);
    }

    private ConfigException(List<ConfigException> problems) {
        super(problems.stream().map(Throwable::getMessage).collect(Collectors.joining("\n")), problems.get(0));
        this.location = problems.get(0).location();
        this.problems = List.copyOf(problems);
    }

    /**
     * Several problems as one exception: its location is the first one's, its message every problem's
     * message, one per line, in the order given.
     */
    static ConfigException of(List<ConfigException> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: empty (expected: at least one)");
        }
        return problems.size() == 1 ? problems.get(0) : new ConfigException(problems);
    }

    /** The location of the (first) problem. */
    public ConfigLocation location() {
        return location;
    }

    /** Every problem this exception reports, in file order: just this one, unless several were found. */
    public List<ConfigException> problems() {
        return problems;
    }
}
