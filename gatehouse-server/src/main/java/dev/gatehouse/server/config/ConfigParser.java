package dev.gatehouse.server.config;

import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads a Gatehouse YAML configuration file into a {@link GatewayConfig}: structure, types, value
 * ranges, references between sections, and the existence of every file it names. It does not read
 * certificates, keys or CRLs; building the runtime state does.
 *
 * <h2>Errors</h2>
 * Every problem is a {@link ConfigException} whose message starts {@code file:line: key: } and says
 * what was expected, e.g.
 * {@code gatehouse.yaml:12: listeners[0].mutual_authentication.mode: unknown mode 'on' (expected: one of off, passthrough, verify)}.
 * Every part that can be judged on its own (a trust store, a target group, a listener, a rule) is
 * judged, and every problem found is reported, in file order ({@link ConfigException#problems()}). Errors about the document as a whole (YAML syntax, size,
 * aliases) use the key {@code <yaml>}.
 *
 * <h2>Limits</h2>
 * A document is at most {@value #MAX_DOCUMENT_BYTES} bytes of UTF-8 and holds at most
 * {@value #MAX_ALIASES} aliases ({@code *name}), so that a "billion laughs" document is refused
 * before it is expanded.
 *
 * <p>Thread-safe: every call works on its own state.
 */
public final class ConfigParser {
    /** The largest configuration file accepted (1 MiB). */
    public static final int MAX_DOCUMENT_BYTES = 1 << 20;
    /** The most YAML aliases a document may use. */
    public static final int MAX_ALIASES = 20;

    static final String DOCUMENT_KEY = "<yaml>";

    /** {@code logs.format}, in the order errors list them. */
    private static final Map<String, LogsConfig.LogFormat> LOG_FORMATS = new LinkedHashMap<>();

    static {
        LOG_FORMATS.put("text", LogsConfig.LogFormat.TEXT);
        LOG_FORMATS.put("json", LogsConfig.LogFormat.JSON);
    }

    private static final List<String> ROOT_KEYS = List.of(
            "name", "listeners", "trust_stores", "target_groups", "logs", "shutdown_timeout", "reload", "admin");

    private final Path file;
    private final Path baseDir;

    private ConfigParser(Path file) {
        this.file = file;
        Path absolute = file.toAbsolutePath();
        this.baseDir = absolute.getParent() == null ? absolute : absolute.getParent();
    }

    /** Reads and validates {@code file}; relative paths in it are resolved against its directory. */
    public static GatewayConfig parse(Path file) throws ConfigException {
        ConfigLocation whole = new ConfigLocation(file, 0, DOCUMENT_KEY);
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new ConfigException(whole, "is a directory (expected: a YAML file)");
            }
            long size = Files.size(file);
            if (size > MAX_DOCUMENT_BYTES) {
                throw tooLarge(whole, size);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(whole, "file not found: " + file.toAbsolutePath() + " (expected: a YAML file)");
        } catch (IOException e) {
            throw new ConfigException(whole, "cannot read: " + e + " (expected: a readable YAML file)", e);
        }
        String yaml;
        try {
            yaml = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(whole, "not valid UTF-8 (expected: a UTF-8 text file)", e);
        }
        return parse(yaml, file);
    }

    /**
     * Parses {@code yaml} as if it had been read from {@code pretendFile}: errors name that file, and
     * relative paths are resolved against its directory (files named by the config must exist there).
     */
    public static GatewayConfig parse(String yaml, Path pretendFile) throws ConfigException {
        ConfigParser parser = new ConfigParser(pretendFile);
        return parser.read(parser.compose(yaml));
    }

    private static ConfigException tooLarge(ConfigLocation whole, long size) {
        return new ConfigException(whole, "document of " + size + " bytes is too large (expected: at most "
                + MAX_DOCUMENT_BYTES + " bytes)");
    }

    /** Parses the YAML into a node tree, enforcing the document limits. */
    private Node compose(String yaml) throws ConfigException {
        ConfigLocation whole = new ConfigLocation(file, 0, DOCUMENT_KEY);
        if (yaml.length() > MAX_DOCUMENT_BYTES) {
            throw tooLarge(whole, yaml.getBytes(StandardCharsets.UTF_8).length);
        }
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(32);
        options.setCodePointLimit(MAX_DOCUMENT_BYTES);
        Node root;
        try {
            // Count aliases on the event stream first: cheap, and it can say on which line the limit
            // was passed, which the composer's own check cannot.
            int aliases = 0;
            for (Iterator<Event> it = new Yaml(options).parse(new StringReader(yaml)).iterator(); it.hasNext(); ) {
                Event event = it.next();
                if (event instanceof AliasEvent && ++aliases > MAX_ALIASES) {
                    throw new ConfigException(new ConfigLocation(file, lineOf(event.getStartMark()), DOCUMENT_KEY),
                            "more than " + MAX_ALIASES + " aliases (expected: at most " + MAX_ALIASES
                                    + "; write the values out)");
                }
            }
            root = new Yaml(options).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            ConfigLocation where = new ConfigLocation(file, lineOf(mark), DOCUMENT_KEY);
            if (e.getContext() != null && e.getContext().startsWith("expected a single document")) {
                throw new ConfigException(where, "a second YAML document (expected: one document; remove the ---)", e);
            }
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            if (e.getContext() != null && e.getProblem() != null) {
                problem = problem + ", " + e.getContext();
            }
            throw new ConfigException(where, "YAML syntax error: " + problem.strip()
                    + " (expected: valid YAML; check indentation and quoting)", e);
        } catch (ReaderException e) {
            throw unprintable(yaml, e);
        } catch (YAMLException e) {
            throw new ConfigException(whole, "YAML error: " + e.getMessage() + " (expected: valid YAML)", e);
        }
        if (root == null) {
            throw new ConfigException(new ConfigLocation(file, 1, DOCUMENT_KEY),
                    "empty document (expected: a mapping with at least 'listeners')");
        }
        return root;
    }

    /** A character YAML does not allow (NUL, other control characters), named by its line and column. */
    private ConfigException unprintable(String yaml, ReaderException e) {
        int at = yaml.indexOf(Character.toString(e.getCodePoint()));
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at; i++) {
            if (yaml.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String what = e.getCodePoint() == 0 ? "a NUL byte" : "a control character";
        return new ConfigException(new ConfigLocation(file, at < 0 ? 0 : line, DOCUMENT_KEY),
                what + String.format(" (U+%04X)", e.getCodePoint()) + (at < 0 ? "" : " at column " + (at - lineStart + 1))
                        + " (expected: a text file without control characters; remove it, or check that the file is"
                        + " not binary or UTF-16)", e);
    }

    private static int lineOf(Mark mark) {
        return mark == null ? 0 : mark.getLine() + 1;
    }

    private GatewayConfig read(Node rootNode) throws ConfigException {
        int line = ConfigNode.lineOf(rootNode);
        ConfigNode document = new ConfigNode(rootNode, new ConfigLocation(file, line, DOCUMENT_KEY));
        if (!document.isMapping()) {
            throw document.wrongType("a mapping with at least 'listeners'");
        }
        ConfigMapping root = new ConfigNode(rootNode, new ConfigLocation(file, line, ""))
                .mapping("a mapping", ROOT_KEYS.toArray(String[]::new));

        // Each part that can be judged on its own is read even when an earlier one failed, so that one
        // reading reports every independent problem; references are checked against the names declared.
        ConfigProblems problems = new ConfigProblems();
        String name = problems.attempt(() -> name(root));
        Duration shutdownTimeout = problems.attempt(() -> {
            ConfigNode shutdownNode = root.optional("shutdown_timeout");
            return shutdownNode == null ? GatewayConfig.DEFAULT_SHUTDOWN_TIMEOUT : shutdownNode.duration(true);
        });

        Map<String, TrustStoreConfig> trustStores = new LinkedHashMap<>();
        Map<String, ConfigNode> trustStoreNodes = named(root, "trust_stores",
                "a mapping of trust store names to trust stores", problems);
        for (Map.Entry<String, ConfigNode> e : trustStoreNodes.entrySet()) {
            TrustStoreConfig ts = problems.attempt(() -> TrustStoreParser.parse(e.getKey(), e.getValue(), baseDir));
            if (ts != null) {
                trustStores.put(e.getKey(), ts);
            }
        }

        Map<String, TargetGroupConfig> targetGroups = new LinkedHashMap<>();
        Map<String, ConfigNode> targetGroupNodes = named(root, "target_groups",
                "a mapping of target group names to target groups", problems);
        for (Map.Entry<String, ConfigNode> e : targetGroupNodes.entrySet()) {
            TargetGroupConfig g = problems.attempt(() -> TargetGroupParser.parse(e.getKey(), e.getValue(), baseDir,
                    trustStoreNodes.keySet()));
            if (g != null) {
                targetGroups.put(e.getKey(), g);
            }
        }

        ListenerParser listenerParser = new ListenerParser(baseDir, trustStoreNodes.keySet(), targetGroupNodes.keySet(),
                problems);
        List<ConfigNode> listenerNodes = problems.attempt(() -> {
            List<ConfigNode> nodes = root.required("listeners", "a list of listeners").list("a list of listeners");
            if (nodes.isEmpty()) {
                throw root.raw("listeners").fail("empty list (expected: at least one listener)");
            }
            return nodes;
        });
        List<ListenerConfig> listeners = new ArrayList<>();
        for (ConfigNode listenerNode : listenerNodes == null ? List.<ConfigNode>of() : listenerNodes) {
            ListenerConfig listener = problems.attempt(() -> listenerParser.parse(listenerNode));
            if (listener != null) {
                listeners.add(listener);
            }
        }

        problems.attempt(() -> {
            PassthroughRules.checkProxyProtocolTargets(listeners, targetGroups);
            return null;
        });
        LogsConfig logs = problems.attempt(() -> logs(root));
        Boolean watchFiles = problems.attempt(() -> watchFiles(root));
        // Read only when the reload mapping itself was good: its problems are reported once.
        Duration drainTimeout = watchFiles == null ? null : problems.attempt(() -> drainTimeout(root));
        AdminConfig admin = problems.attempt(() -> admin(root, listeners, listenerParser, trustStoreNodes.keySet()));
        problems.throwIfAny();

        return new GatewayConfig(file, name, listeners, trustStores, targetGroups, logs, shutdownTimeout, watchFiles,
                admin, drainTimeout);
    }

    /**
     * {@code admin} (default: none): {@code address}; optional {@code tls} (as a listener's) and
     * {@code mutual_authentication} (needs {@code tls}; its trust store is a top-level one). Read at start only.
     */
    private static AdminConfig admin(ConfigMapping root, List<ListenerConfig> listeners, ListenerParser listenerParser,
                                     java.util.Set<String> trustStores) throws ConfigException {
        ConfigNode adminNode = root.optional("admin");
        if (adminNode == null) {
            return null;
        }
        ConfigMapping admin = adminNode.mapping("a mapping with address", "address", "tls", "mutual_authentication");
        ConfigNode tlsNode = admin.optional("tls");
        TlsConfig tls = tlsNode == null ? null : listenerParser.tls(tlsNode);
        ConfigNode mutualNode = admin.optional("mutual_authentication");
        if (mutualNode != null && tls == null) {
            throw mutualNode.fail("mutual_authentication without tls (expected: admin.tls with certificates, or no"
                    + " mutual_authentication)");
        }
        MutualAuthConfig mutual = mutualNode == null ? null
                : MutualAuthParser.mutualAuthentication(mutualNode, ListenerConfig.ListenerProtocol.HTTPS, trustStores);
        if (mutual != null && (mutual.mode() != MutualAuthConfig.MutualAuthMode.VERIFY
                || mutual.failureResponse() != MutualAuthConfig.FailureResponse.ALERT)) {
            // The admin endpoints do not look at identities: only a refused handshake keeps a stranger out.
            throw mutualNode.fail("the admin listener's mutual_authentication is mode verify with failure_response"
                    + " alert (expected: mode: verify and a trust_store, no failure_response: http)");
        }
        ConfigNode addressNode = admin.required("address", "host:port, e.g. 127.0.0.1:9901");
        TargetAddress address = TargetGroupParser.address(addressNode, 0);
        for (ListenerConfig l : listeners) {
            if (address.port() != 0 && l.address().port() == address.port() && l.address().host().equals(address.host())) {
                throw addressNode.fail("address " + address + " is already used by listener '" + l.name()
                        + "' (expected: an address of its own)");
            }
        }
        return new AdminConfig(address, addressNode.at(), tls, mutual);
    }

    /** {@code reload.watch_files} (default true). */
    private static boolean watchFiles(ConfigMapping root) throws ConfigException {
        ConfigMapping reload = reload(root);
        ConfigNode watch = reload == null ? null : reload.optional("watch_files");
        return watch == null || watch.bool();
    }

    /** {@code reload.drain_timeout} (default none: a replaced configuration's connections run to their end). */
    private static Duration drainTimeout(ConfigMapping root) throws ConfigException {
        ConfigMapping reload = reload(root);
        ConfigNode drain = reload == null ? null : reload.optional("drain_timeout");
        return drain == null ? null : drain.duration(false);
    }

    private static ConfigMapping reload(ConfigMapping root) throws ConfigException {
        ConfigNode reloadNode = root.optional("reload");
        return reloadNode == null ? null
                : reloadNode.mapping("a mapping with watch_files, drain_timeout", "watch_files", "drain_timeout");
    }

    private static String name(ConfigMapping root) throws ConfigException {
        ConfigNode nameNode = root.optional("name");
        if (nameNode == null) {
            return defaultName();
        }
        String name = nameNode.string("this instance's name");
        if (!name.matches("\\S+")) {
            throw nameNode.fail("'" + name + "' contains spaces (expected: one word; it is a field of the connection log)");
        }
        return name;
    }

    /** The entries of a mapping of user-chosen names ({@code trust_stores}, {@code target_groups}), or none. */
    private static Map<String, ConfigNode> named(ConfigMapping root, String key, String expected, ConfigProblems problems) {
        Map<String, ConfigNode> entries = problems.attempt(() -> {
            ConfigNode node = root.optional(key);
            return node == null ? Map.<String, ConfigNode>of() : node.freeMapping(expected).entries();
        });
        return entries == null ? Map.of() : entries;
    }

    private LogsConfig logs(ConfigMapping root) throws ConfigException {
        ConfigNode logsNode = root.optional("logs");
        if (logsNode == null) {
            return LogsConfig.NONE;
        }
        ConfigMapping logsMap = logsNode.mapping("a mapping with connection and/or access", "connection", "access",
                "format");
        ConfigNode connection = logsMap.optional("connection");
        ConfigNode access = logsMap.optional("access");
        ConfigNode formatNode = logsMap.optional("format");
        LogsConfig.LogFormat format = formatNode == null ? LogsConfig.LogFormat.TEXT
                : formatNode.choice("log format", LOG_FORMATS);
        return new LogsConfig(connection == null ? null : connection.path(baseDir),
                access == null ? null : access.path(baseDir),
                connection == null ? null : connection.at(), access == null ? null : access.at(), format);
    }

    /** This host's name, as logs should call this instance when the config names none. */
    static String defaultName() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (host != null && !host.isBlank()) {
                return host;
            }
        } catch (IOException ignored) {
            // fall through: a host without a resolvable name still runs
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.strip() : "gatehouse";
    }
}
