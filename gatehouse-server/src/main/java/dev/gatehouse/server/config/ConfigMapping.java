package dev.gatehouse.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML mapping whose keys were checked when it was read: plain text, each once, and (unless the
 * keys are the user's names) each one of the keys the section allows.
 */
final class ConfigMapping {
    private final ConfigLocation at;
    private final Map<String, ConfigNode> values;

    private ConfigMapping(ConfigLocation at, Map<String, ConfigNode> values) {
        this.at = at;
        this.values = values;
    }

    /** @param allowedKeys the keys the section allows, or {@code null} for free keys */
    static ConfigMapping of(MappingNode node, ConfigLocation at, List<String> allowedKeys) throws ConfigException {
        Map<String, ConfigNode> values = new LinkedHashMap<>();
        for (NodeTuple tuple : node.getValue()) {
            int keyLine = ConfigNode.lineOf(tuple.getKeyNode());
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode) || Tag.NULL.equals(keyNode.getTag())) {
                throw new ConfigException(at.child("?", keyLine), "not a plain key (expected: a name)");
            }
            String key = keyNode.getValue();
            ConfigLocation keyAt = at.child(key, keyLine);
            if (Tag.MERGE.equals(keyNode.getTag())) {
                throw new ConfigException(keyAt, "merge keys are not supported (expected: each key written out)");
            }
            if (allowedKeys != null && !allowedKeys.contains(key)) {
                throw new ConfigException(keyAt, "unknown key (expected: one of " + String.join(", ", allowedKeys) + ")");
            }
            if (values.containsKey(key)) {
                throw new ConfigException(keyAt, "duplicate key (expected: each key once; first at line "
                        + values.get(key).at().line() + ")");
            }
            values.put(key, new ConfigNode(tuple.getValueNode(), keyAt));
        }
        return new ConfigMapping(at, values);
    }

    ConfigLocation at() {
        return at;
    }

    /** The value of {@code key}, or {@code null} when absent or explicitly null. */
    ConfigNode optional(String key) {
        ConfigNode value = values.get(key);
        return value == null || value.isNull() ? null : value;
    }

    /** The value of {@code key}; its absence (or a null value) is an error that says what was expected. */
    ConfigNode required(String key, String expected) throws ConfigException {
        ConfigNode value = values.get(key);
        if (value == null) {
            throw new ConfigException(at.child(key, at.line()), "missing (expected: " + expected + ")");
        }
        if (value.isNull()) {
            throw value.fail("no value (expected: " + expected + ")");
        }
        return value;
    }

    /** True when the key is written, even with a null value. */
    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key} as written, null values included, or {@code null} when absent. */
    ConfigNode raw(String key) {
        return values.get(key);
    }

    /** All entries, in file order. */
    Map<String, ConfigNode> entries() {
        return values;
    }

    boolean isEmpty() {
        return values.isEmpty();
    }
}
