package dev.gatehouse.server.reload;

import java.time.Instant;

/**
 * What one reload did: the configuration generation now serving, and whether this reload produced it.
 *
 * @param success    whether the new configuration was built and now serves
 * @param generation the generation serving after the reload: the new one on success, the unchanged
 *                   previous one on failure
 * @param error      why the reload failed ({@code file:line: key: problem}), or {@code null}
 * @param at         when the reload ended
 */
public record ReloadResult(boolean success, long generation, String error, Instant at) {

    public static ReloadResult succeeded(long generation) {
        return new ReloadResult(true, generation, null, Instant.now());
    }

    public static ReloadResult failed(long generation, String error) {
        return new ReloadResult(false, generation, error, Instant.now());
    }
}
