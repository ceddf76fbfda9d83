package dev.gatehouse.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One value of the YAML document with the {@link ConfigLocation} it was read from, and typed readers
 * that turn it into Java values or fail with a {@link ConfigException} naming that location.
 *
 * <p>Scalars are always read from their raw text, never from the type YAML 1.1 resolved for them:
 * a bare {@code off} is the text "off" (not the boolean false), {@code 010} is ten, and {@code yes} is
 * not a boolean. Only a plain {@code ~}, {@code null} or empty value counts as "no value".
 */
final class ConfigNode {
    static final String DURATION_FORM = Durations.FORM;

    private final Node node;
    private final ConfigLocation at;

    ConfigNode(Node node, ConfigLocation at) {
        this.node = node;
        this.at = at;
    }

    ConfigLocation at() {
        return at;
    }

    /** A failure about this value. */
    ConfigException fail(String problem) {
        return new ConfigException(at, problem);
    }

    /** True for an explicit null: a plain {@code ~}, {@code null} or an empty value. */
    boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    boolean isScalar() {
        return node instanceof ScalarNode;
    }

    boolean isList() {
        return node instanceof SequenceNode;
    }

    boolean isMapping() {
        return node instanceof MappingNode;
    }

    /** The raw text of a scalar, whatever type YAML would give it. */
    String text(String expected) throws ConfigException {
        if (!(node instanceof ScalarNode scalar) || isNull()) {
            throw wrongType(expected);
        }
        return scalar.getValue();
    }

    /** A non-blank string. */
    String string(String expected) throws ConfigException {
        String text = text(expected);
        if (text.isBlank()) {
            throw fail("empty (expected: " + expected + ")");
        }
        return text;
    }

    /** A decimal integer in {@code [min, max]} ({@code _} separators allowed, as in 500_000). */
    long integer(long min, long max) throws ConfigException {
        String expected = min + "-" + max;
        String text = text("an integer " + expected).replace("_", "");
        long value;
        try {
            if (!text.matches("-?\\d{1,18}")) {
                throw new NumberFormatException();
            }
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw fail("'" + text(expected) + "' is not an integer (expected: " + expected + ")");
        }
        if (value < min || value > max) {
            throw fail(value + " is out of range (expected: " + expected + ")");
        }
        return value;
    }

    int intValue(int min, int max) throws ConfigException {
        return (int) integer(min, max);
    }

    /** {@code true} or {@code false}; YAML 1.1's yes/no/on/off are refused as ambiguous. */
    boolean bool() throws ConfigException {
        String text = text("true or false");
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw fail("'" + text + "' is not a boolean (expected: true or false)");
        };
    }

    /** A duration with a unit: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or a sum such as {@code 1m30s}. */
    Duration duration(boolean allowZero) throws ConfigException {
        String text = text(DURATION_FORM).trim();
        Duration total;
        try {
            total = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
        if (!allowZero && total.isZero()) {
            throw fail("'" + text + "' is zero (expected: a duration > 0)");
        }
        return total;
    }

    /** One of {@code choices} (keys are the config spellings, in the order to list them in errors). */
    <E> E choice(String what, Map<String, E> choices) throws ConfigException {
        String expected = "one of " + String.join(", ", choices.keySet());
        String text = text(expected);
        E value = choices.get(text);
        if (value == null) {
            throw fail("unknown " + what + " '" + text + "' (expected: " + expected + ")");
        }
        return value;
    }

    /**
     * A path resolved against {@code baseDir}, naming a regular file that exists and can be read.
     * Its content is not read: the runtime builder loads it.
     */
    Path readableFile(Path baseDir) throws ConfigException {
        Path path = path(baseDir);
        if (!Files.exists(path)) {
            throw fail("file not found: " + path + " (expected: a readable file; relative paths are resolved"
                    + " against " + baseDir + ")");
        }
        if (!Files.isRegularFile(path)) {
            throw fail("not a regular file: " + path + " (expected: a readable file)");
        }
        if (!Files.isReadable(path)) {
            throw fail("file not readable: " + path + " (expected: a readable file; check its permissions)");
        }
        return path;
    }

    /** A path resolved against {@code baseDir}, not checked. */
    Path path(Path baseDir) throws ConfigException {
        String text = string("a file path");
        try {
            return baseDir.resolve(text).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw fail("bad path '" + text + "' (expected: a file path)");
        }
    }

    /** The items of a list. */
    List<ConfigNode> list(String expected) throws ConfigException {
        if (!(node instanceof SequenceNode seq)) {
            throw wrongType(expected);
        }
        List<ConfigNode> items = new ArrayList<>(seq.getValue().size());
        int i = 0;
        for (Node item : seq.getValue()) {
            items.add(new ConfigNode(item, at.index(i++, lineOf(item))));
        }
        return items;
    }

    /** A non-empty list of non-blank strings; a single string is read as a list of one. */
    List<String> strings(String expectedItem) throws ConfigException {
        if (isScalar() && !isNull()) {
            return List.of(string(expectedItem));
        }
        List<ConfigNode> items = list("a list of " + expectedItem + "s");
        if (items.isEmpty()) {
            throw fail("empty list (expected: at least one " + expectedItem + ")");
        }
        List<String> values = new ArrayList<>(items.size());
        for (ConfigNode item : items) {
            values.add(item.string(expectedItem));
        }
        return values;
    }

    /** A mapping whose keys must all be among {@code allowedKeys}. */
    ConfigMapping mapping(String expected, String... allowedKeys) throws ConfigException {
        if (!(node instanceof MappingNode map)) {
            throw wrongType(expected);
        }
        return ConfigMapping.of(map, at, List.of(allowedKeys));
    }

    /** A mapping with keys of the user's choosing (names of trust stores, header names...). */
    ConfigMapping freeMapping(String expected) throws ConfigException {
        if (!(node instanceof MappingNode map)) {
            throw wrongType(expected);
        }
        return ConfigMapping.of(map, at, null);
    }

    ConfigException wrongType(String expected) {
        String actual;
        if (node instanceof MappingNode) {
            actual = "a mapping";
        } else if (node instanceof SequenceNode) {
            actual = "a list";
        } else if (isNull()) {
            actual = "no value";
        } else {
            actual = "'" + ((ScalarNode) node).getValue() + "'";
        }
        return fail("wrong type: " + actual + " (expected: " + expected + ")");
    }

    static int lineOf(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }
}
