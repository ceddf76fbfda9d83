package dev.gatehouse.server.admin;

import dev.gatehouse.pki.Json;

/**
 * Writes one JSON document in order: objects, arrays, names and values, with the commas in between. Small
 * on purpose: the admin API's documents are built by hand from the runtime state.
 */
final class JsonWriter {
    private final StringBuilder sb = new StringBuilder(4096);
    /** Whether the next value or name in the current container needs a comma before it. */
    private boolean comma;

    JsonWriter begin() {
        separate();
        sb.append('{');
        comma = false;
        return this;
    }

    JsonWriter end() {
        sb.append('}');
        comma = true;
        return this;
    }

    JsonWriter beginArray(String name) {
        name(name);
        sb.append('[');
        comma = false;
        return this;
    }

    JsonWriter endArray() {
        sb.append(']');
        comma = true;
        return this;
    }

    /** Starts an object as the value of {@code name}. */
    JsonWriter begin(String name) {
        name(name);
        sb.append('{');
        comma = false;
        return this;
    }

    JsonWriter field(String name, String value) {
        name(name);
        Json.quote(sb, value);
        comma = true;
        return this;
    }

    JsonWriter field(String name, long value) {
        name(name);
        sb.append(value);
        comma = true;
        return this;
    }

    JsonWriter field(String name, boolean value) {
        name(name);
        sb.append(value);
        comma = true;
        return this;
    }

    /** Appends an already written JSON value as an element of the current array. */
    JsonWriter raw(String json) {
        separate();
        sb.append(json);
        comma = true;
        return this;
    }

    private void name(String name) {
        separate();
        Json.quote(sb, name).append(':');
    }

    private void separate() {
        if (comma) {
            sb.append(',');
        }
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
