package dev.gatehouse.server.config;

/**
 * An invalid configuration: parse error, unknown key, wrong type, missing or unreadable file, a key
 * that does not match its certificate. The message always starts with {@code file:line: key: }.
 */
public final class ConfigException extends Exception {
    private final ConfigLocation location;

    public ConfigException(ConfigLocation location, String problem) {
        super(location + ": " + problem);
        this.location = location;
    }

    public ConfigException(ConfigLocation location, String problem, Throwable cause) {
        super(location + ": " + problem, cause);
        this.location = location;
    }

    public ConfigLocation location() {
        return location;
    }
}
