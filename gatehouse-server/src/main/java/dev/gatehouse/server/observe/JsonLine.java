package dev.gatehouse.server.observe;

import dev.gatehouse.pki.Json;

/** The fields of a JSON log line: {@code ,"name":value}, with {@code null} for a value that is absent or empty. */
final class JsonLine {
    private JsonLine() {}

    static void field(StringBuilder sb, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        Json.quote(sb, value == null || value.isEmpty() ? null : value);
    }

    static void number(StringBuilder sb, String name, long value) {
        sb.append(",\"").append(name).append("\":").append(value);
    }
}
