package dev.gatehouse.server.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a value of the configuration came from: the file, the 1-based line, and the key path
 * ({@code listeners[0].tls.certificates[1].private_key}). Every configuration error names one.
 */
public record ConfigLocation(Path file, int line, String key) {
    public ConfigLocation {
        Objects.requireNonNull(key, "key");
    }

    /** A location for values that were not read from a file (defaults, programmatic configs). */
    public static ConfigLocation synthetic(String key) {
        return new ConfigLocation(null, 0, key);
    }

    public ConfigLocation child(String childKey, int childLine) {
        return new ConfigLocation(file, childLine, key.isEmpty() ? childKey : key + "." + childKey);
    }

    public ConfigLocation index(int i, int childLine) {
        return new ConfigLocation(file, childLine, key + "[" + i + "]");
    }

    /** {@code file:line: key} — the prefix of every error about this value. */
    @Override
    public String toString() {
        String where = file == null ? "<config>" : file.toString();
        return (line > 0 ? where + ":" + line : where) + ": " + key;
    }
}
