package dev.gatehouse.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape of this module's main code: package dependencies go one way (listener → tls/http →
 * routing/authz/headers/target → connection/config/observe/transport), and no source file grows past
 * what one reader holds in mind.
 *
 * <p>Dependencies are read from the compiled classes' constant pools (every class, field and method
 * descriptor a class mentions), so a fully qualified name in code counts as much as an import.
 */
class ModuleStructureTest {
    private static final String ROOT = "dev/gatehouse/server";
    private static final Pattern REFERENCE = Pattern.compile(ROOT + "((?:/[a-z0-9_]+)*)/[A-Z][A-Za-z0-9_$]*");
    /** Largest source file of {@code src/main}. */
    private static final long MAX_SOURCE_BYTES = 24 * 1024;

    @Test
    void mainPackagesHaveNoDependencyCycle() throws Exception {
        Map<String, Map<String, String>> graph = packageGraph(mainClasses());
        // The scan sees the dependencies that exist (else an empty graph would pass).
        assertThat(graph).containsKeys("dev.gatehouse.server.http", "dev.gatehouse.server.listener");
        assertThat(graph.get("dev.gatehouse.server.http")).containsKey("dev.gatehouse.server.routing");
        assertThat(graph.get("dev.gatehouse.server.listener")).containsKey("dev.gatehouse.server.http");

        assertThat(describeCycles(graph)).as("package dependency cycles in gatehouse-server").isEmpty();
    }

    @Test
    void theCycleCheckNamesEachCycleAndTheClassesBehindIt() {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        graph.put("a", Map.of("b", "a.A"));
        graph.put("b", Map.of("c", "b.B"));
        graph.put("c", Map.of("a", "c.C", "d", "c.C2"));
        graph.put("d", Map.of());
        graph.put("x", Map.of("y", "x.X"));
        graph.put("y", Map.of("x", "y.Y"));

        assertThat(describeCycles(graph)).containsExactly(
                "cycle [a, b, c]: a -> b (a.A), b -> c (b.B), c -> a (c.C)",
                "cycle [x, y]: x -> y (x.X), y -> x (y.Y)");
        assertThat(describeCycles(Map.of("a", Map.of("b", "a.A"), "b", Map.of()))).isEmpty();
    }

    @Test
    void noMainSourceFileIsOver24KiB() throws IOException {
        Path main = Path.of("src/main");
        assertThat(main).isDirectory();
        List<String> tooLarge;
        int files;
        try (Stream<Path> walk = Files.walk(main)) {
            List<Path> sources = walk.filter(Files::isRegularFile).toList();
            files = sources.size();
            tooLarge = new ArrayList<>();
            for (Path p : sources) {
                long size = Files.size(p);
                if (size > MAX_SOURCE_BYTES) {
                    tooLarge.add(main.relativize(p) + " (" + size + " bytes)");
                }
            }
        }
        assertThat(files).isPositive();
        assertThat(tooLarge).as("files of src/main over %d bytes: split them along their seams", MAX_SOURCE_BYTES)
                .isEmpty();
    }

    // ---- package graph -----------------------------------------------------------------------------

    private static Path mainClasses() throws URISyntaxException {
        Path classes = Path.of(Gateway.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes.resolve(ROOT)).isDirectory();
        return classes;
    }

    /** Package → package it depends on → one class of the first that mentions the second. */
    private static Map<String, Map<String, String>> packageGraph(Path classes) throws IOException {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes.resolve(ROOT))) {
            files = walk.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        for (Path file : files) {
            String className = classes.relativize(file).toString().replace('\\', '/');
            String from = packageOf(className);
            Map<String, String> edges = graph.computeIfAbsent(from, k -> new TreeMap<>());
            for (String utf8 : utf8Constants(file)) {
                Matcher m = REFERENCE.matcher(utf8);
                while (m.find()) {
                    String to = (ROOT + m.group(1)).replace('/', '.');
                    if (!to.equals(from)) {
                        edges.putIfAbsent(to, className.substring(0, className.length() - ".class".length())
                                .replace('/', '.'));
                    }
                }
            }
        }
        return graph;
    }

    private static String packageOf(String classFile) {
        return classFile.substring(0, classFile.lastIndexOf('/')).replace('/', '.');
    }

    /** The UTF-8 entries of a class file's constant pool: names, descriptors, signatures, literals. */
    private static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(classFile); DataInputStream data = new DataInputStream(in)) {
            if (data.readInt() != 0xCAFEBABE) {
                throw new IOException(classFile + ": not a class file");
            }
            data.readUnsignedShort(); // minor
            data.readUnsignedShort(); // major
            int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = data.readUnsignedByte();
                switch (tag) {
                    case 1 -> out.add(data.readUTF());
                    case 7, 8, 16, 19, 20 -> data.skipNBytes(2);
                    case 15 -> data.skipNBytes(3);
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> data.skipNBytes(4);
                    case 5, 6 -> {
                        data.skipNBytes(8);
                        i++; // a long or double takes two entries
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag + " at " + i);
                }
            }
        }
        return out;
    }

    // ---- cycles ------------------------------------------------------------------------------------

    /**
     * One line per cycle (a strongly connected set of more than one package), naming the edges inside it
     * and a class behind each; sorted, empty when the dependencies go one way.
     */
    static List<String> describeCycles(Map<String, Map<String, String>> graph) {
        List<String> out = new ArrayList<>();
        for (Set<String> component : stronglyConnected(graph)) {
            if (component.size() < 2) {
                continue;
            }
            List<String> edges = new ArrayList<>();
            for (String from : component) {
                graph.getOrDefault(from, Map.of()).forEach((to, cls) -> {
                    if (component.contains(to)) {
                        edges.add(from + " -> " + to + " (" + cls + ")");
                    }
                });
            }
            edges.sort(null);
            out.add("cycle " + component + ": " + String.join(", ", edges));
        }
        out.sort(null);
        return out;
    }

    /** Tarjan's algorithm over sorted nodes, so that the result does not depend on map order. */
    private static List<Set<String>> stronglyConnected(Map<String, Map<String, String>> graph) {
        Set<String> nodes = new TreeSet<>(graph.keySet());
        graph.values().forEach(e -> nodes.addAll(e.keySet()));
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] next = {0};
        for (String start : nodes) {
            if (!index.containsKey(start)) {
                strongConnect(start, graph, index, low, stack, onStack, components, next);
            }
        }
        return components;
    }

    private static void strongConnect(String v, Map<String, Map<String, String>> graph, Map<String, Integer> index,
                                      Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                                      List<Set<String>> components, int[] next) {
        index.put(v, next[0]);
        low.put(v, next[0]);
        next[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : new TreeSet<>(graph.getOrDefault(v, Map.of()).keySet())) {
            if (!index.containsKey(w)) {
                strongConnect(w, graph, index, low, stack, onStack, components, next);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            components.add(component);
        }
    }
}
