package dev.gatehouse.server.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems found while reading one configuration file, so that one reading reports every independent
 * error, in file order, instead of stopping at the first.
 *
 * <p>A parser runs each part that can be judged on its own (a trust store, a target group, a listener, a
 * rule, a section of a listener) through {@link #attempt}: a failing part is recorded and yields
 * {@code null}, and the parser goes on with the next part. A part that depends on a failed one is not
 * judged (its errors would only repeat the first). {@link #throwIfAny} ends the reading.
 *
 * <p>Not thread-safe: one per reading.
 */
final class ConfigProblems {
    /** A part of the configuration that is read, or fails with a {@link ConfigException}. */
    @FunctionalInterface
    interface Part<T> {
        T read() throws ConfigException;
    }

    private final List<ConfigException> found = new ArrayList<>();

    /** Reads {@code part}; if it fails, records why and returns {@code null}. */
    <T> T attempt(Part<T> part) {
        try {
            return part.read();
        } catch (ConfigException e) {
            found.addAll(e.problems());
            return null;
        }
    }

    /** True when at least one part failed. */
    boolean any() {
        return !found.isEmpty();
    }

    /** The number of problems recorded so far (to tell whether a part added any). */
    int count() {
        return found.size();
    }

    /** Throws the recorded problems, in file order, as one exception; does nothing if there are none. */
    void throwIfAny() throws ConfigException {
        if (found.isEmpty()) {
            return;
        }
        List<ConfigException> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparingInt(e -> e.location().line()));
        throw ConfigException.of(ordered);
    }
}
