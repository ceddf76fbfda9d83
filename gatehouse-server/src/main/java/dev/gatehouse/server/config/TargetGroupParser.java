package dev.gatehouse.server.config;

import dev.gatehouse.server.config.TargetGroupConfig.HealthCheckConfig;
import dev.gatehouse.server.config.TargetGroupConfig.HealthCheckProtocol;
import dev.gatehouse.server.config.TargetGroupConfig.StatusCodes;
import dev.gatehouse.server.config.TargetGroupConfig.LoadBalancing;
import dev.gatehouse.server.config.TargetGroupConfig.ProtocolVersion;
import dev.gatehouse.server.config.TargetGroupConfig.TargetProtocol;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTimeouts;
import dev.gatehouse.server.config.TargetGroupConfig.TargetTlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads one entry of {@code target_groups} into a {@link TargetGroupConfig}. */
final class TargetGroupParser {
    private static final Map<String, TargetProtocol> PROTOCOLS = choices("http", TargetProtocol.HTTP, "https", TargetProtocol.HTTPS);
    private static final Map<String, ProtocolVersion> PROTOCOL_VERSIONS = choices(
            "http1", ProtocolVersion.HTTP1, "http2", ProtocolVersion.HTTP2, "grpc", ProtocolVersion.GRPC);
    private static final Map<String, HealthCheckProtocol> HEALTH_PROTOCOLS = choices(
            "http", HealthCheckProtocol.HTTP, "grpc", HealthCheckProtocol.GRPC, "tcp", HealthCheckProtocol.TCP);
    private static final Map<String, LoadBalancing> LOAD_BALANCING = choices(
            "round_robin", LoadBalancing.ROUND_ROBIN, "least_outstanding_requests", LoadBalancing.LEAST_OUTSTANDING_REQUESTS);

    /** {@code proxy_protocol} of a group: whether a v2 header is sent (read from the raw text: YAML reads off as false). */
    private static final Map<String, Boolean> PROXY_PROTOCOL_VERSIONS = choices("off", false, "v2", true);

    private TargetGroupParser() {}

    static TargetGroupConfig parse(String name, ConfigNode node, Path baseDir, Set<String> trustStores)
            throws ConfigException {
        ConfigMapping map = node.mapping("a target group (a mapping with targets)",
                "protocol", "protocol_version", "targets", "load_balancing", "health_check", "tls", "timeouts",
                "proxy_protocol");

        TargetProtocol protocol = TargetProtocol.HTTP;
        ConfigNode protocolNode = map.optional("protocol");
        if (protocolNode != null) {
            protocol = protocolNode.choice("protocol", PROTOCOLS);
        }

        ProtocolVersion protocolVersion = ProtocolVersion.HTTP1;
        ConfigNode versionNode = map.optional("protocol_version");
        if (versionNode != null) {
            protocolVersion = versionNode.choice("protocol version", PROTOCOL_VERSIONS);
        }

        ConfigNode targetsNode = map.required("targets", "a list of host:port");
        List<ConfigNode> targetNodes = targetsNode.list("a list of host:port");
        if (targetNodes.isEmpty()) {
            throw targetsNode.fail("empty list (expected: at least one host:port)");
        }
        List<TargetAddress> targets = new ArrayList<>();
        for (ConfigNode item : targetNodes) {
            TargetAddress address = address(item, 1);
            if (targets.contains(address)) {
                throw item.fail("duplicate target " + address + " (expected: each target once)");
            }
            targets.add(address);
        }

        LoadBalancing loadBalancing = LoadBalancing.ROUND_ROBIN;
        ConfigNode lbNode = map.optional("load_balancing");
        if (lbNode != null) {
            loadBalancing = lbNode.choice("load balancing", LOAD_BALANCING);
        }

        ConfigNode healthNode = map.optional("health_check");
        HealthCheckConfig healthCheck = healthNode == null ? null : healthCheck(healthNode, protocolVersion);

        TargetTlsConfig tls = null;
        ConfigNode tlsNode = map.optional("tls");
        if (protocol == TargetProtocol.HTTPS) {
            if (tlsNode == null) {
                throw new ConfigException(map.at().child("tls", map.at().line()),
                        "missing (expected: tls with a trust_store for an https target group)");
            }
            tls = tls(tlsNode, baseDir, trustStores);
        } else if (map.has("tls")) {
            throw map.raw("tls").fail("not allowed on an http target group (expected: protocol: https, or no tls)");
        }

        TargetTimeouts timeouts = TargetTimeouts.DEFAULTS;
        ConfigNode timeoutsNode = map.optional("timeouts");
        if (timeoutsNode != null) {
            ConfigMapping t = timeoutsNode.mapping("a mapping with connect, response and/or idle",
                    "connect", "response", "idle");
            ConfigNode connect = t.optional("connect");
            ConfigNode response = t.optional("response");
            ConfigNode idle = t.optional("idle");
            timeouts = new TargetTimeouts(
                    connect == null ? TargetTimeouts.DEFAULTS.connect() : connect.duration(false),
                    response == null ? TargetTimeouts.DEFAULTS.response() : response.duration(false),
                    idle == null ? TargetTimeouts.DEFAULTS.idle() : idle.duration(false));
        }
        ConfigNode proxyProtocolNode = map.optional("proxy_protocol");
        boolean proxyProtocol = proxyProtocolNode != null
                && proxyProtocolNode.choice("PROXY protocol version", PROXY_PROTOCOL_VERSIONS);
        return new TargetGroupConfig(name, protocol, protocolVersion, targets, loadBalancing, healthCheck, tls, timeouts,
                node.at(), proxyProtocol);
    }

    /** A {@code host:port} with a port of at least {@code minPort}. */
    static TargetAddress address(ConfigNode node, int minPort) throws ConfigException {
        String text = node.string("host:port");
        TargetAddress address;
        try {
            address = TargetAddress.fromString(text.strip());
        } catch (IllegalArgumentException e) {
            throw node.fail(e.getMessage());
        }
        if (address.port() < minPort) {
            throw node.fail("port out of range: " + address.port() + " (expected: " + minPort + "-65535)");
        }
        return address;
    }

    private static HealthCheckConfig healthCheck(ConfigNode node, ProtocolVersion version) throws ConfigException {
        ConfigMapping map = node.mapping("a health check (a mapping)", "protocol", "service", "path", "interval",
                "timeout", "healthy_threshold", "unhealthy_threshold", "success_codes");
        HealthCheckProtocol protocol = HealthCheckProtocol.HTTP;
        ConfigNode protocolNode = map.optional("protocol");
        if (protocolNode != null) {
            protocol = protocolNode.choice("health check protocol", HEALTH_PROTOCOLS);
            if (protocol == HealthCheckProtocol.GRPC && !version.http2()) {
                throw protocolNode.fail("grpc health checks need HTTP/2 (expected: protocol_version: grpc or http2 "
                        + "on the target group, or protocol: http)");
            }
        }
        ConfigNode serviceNode = map.optional("service");
        String service = "";
        if (serviceNode != null) {
            if (protocol != HealthCheckProtocol.GRPC) {
                throw serviceNode.fail("only for gRPC health checks (expected: protocol: grpc, or no service)");
            }
            service = serviceNode.text("a gRPC service name, or \"\" for the whole server").strip();
        }
        String path = "/";
        ConfigNode pathNode = map.optional("path");
        if (pathNode != null) {
            httpOnly(pathNode, protocol, "path");
            path = pathNode.string("a path starting with /");
            if (!path.startsWith("/")) {
                throw pathNode.fail("'" + path + "' does not start with / (expected: a path starting with /)");
            }
        }
        ConfigNode intervalNode = map.optional("interval");
        Duration interval = intervalNode == null ? Duration.ofSeconds(10) : intervalNode.duration(false);
        ConfigNode timeoutNode = map.optional("timeout");
        Duration timeout = timeoutNode == null ? Duration.ofSeconds(5) : timeoutNode.duration(false);
        if (timeout.compareTo(interval) > 0) {
            ConfigNode blame = timeoutNode != null ? timeoutNode : intervalNode;
            throw blame.fail("timeout " + timeout.toMillis() + "ms is longer than interval " + interval.toMillis()
                    + "ms (expected: timeout <= interval)");
        }
        ConfigNode healthyNode = map.optional("healthy_threshold");
        int healthy = healthyNode == null ? 3 : healthyNode.intValue(1, 10);
        ConfigNode unhealthyNode = map.optional("unhealthy_threshold");
        int unhealthy = unhealthyNode == null ? 2 : unhealthyNode.intValue(1, 10);
        StatusCodes successCodes = StatusCodes.parse("200-399");
        ConfigNode codesNode = map.optional("success_codes");
        if (codesNode != null) {
            httpOnly(codesNode, protocol, "success_codes");
            try {
                successCodes = StatusCodes.parse(codesNode.string("status codes such as \"200\" or \"200-299,302\""));
            } catch (IllegalArgumentException e) {
                throw codesNode.fail(e.getMessage() + " (expected: status codes 100-599 such as \"200\" or \"200-299,302\")");
            }
        }
        return new HealthCheckConfig(path, interval, timeout, healthy, unhealthy, successCodes, protocol, service, node.at());
    }

    /** {@code path} and {@code success_codes} shape a check's request and judge its answer: a tcp check has neither. */
    private static void httpOnly(ConfigNode node, HealthCheckProtocol protocol, String key) throws ConfigException {
        if (protocol == HealthCheckProtocol.TCP) {
            throw node.fail("a tcp health check sends no request (expected: protocol: http with " + key + ", or no " + key + ")");
        }
    }

    private static TargetTlsConfig tls(ConfigNode node, Path baseDir, Set<String> trustStores) throws ConfigException {
        ConfigMapping map = node.mapping("a mapping with trust_store", "trust_store", "server_name", "certificate", "private_key");
        ConfigNode trustStoreNode = map.required("trust_store", "the name of a trust store");
        String trustStore = trustStoreReference(trustStoreNode, trustStores);
        ConfigNode serverNameNode = map.optional("server_name");
        String serverName = serverNameNode == null ? null : serverNameNode.string("a host name");
        TlsConfig.CertificateKeyPair clientCertificate = null;
        ConfigNode certificate = map.optional("certificate");
        ConfigNode privateKey = map.optional("private_key");
        if (certificate != null && privateKey == null) {
            throw new ConfigException(map.at().child("private_key", map.at().line()),
                    "missing (expected: certificate and private_key together, or neither)");
        }
        if (privateKey != null && certificate == null) {
            throw new ConfigException(map.at().child("certificate", map.at().line()),
                    "missing (expected: certificate and private_key together, or neither)");
        }
        if (certificate != null) {
            clientCertificate = new TlsConfig.CertificateKeyPair(certificate.readableFile(baseDir), certificate.at(),
                    privateKey.readableFile(baseDir), privateKey.at());
        }
        return new TargetTlsConfig(trustStore, serverName, clientCertificate, node.at());
    }

    /** The name in {@code node}, which must be one of {@code trustStores}. */
    static String trustStoreReference(ConfigNode node, Set<String> trustStores) throws ConfigException {
        String name = node.string("the name of a trust store");
        if (!trustStores.contains(name)) {
            throw node.fail("unknown trust store '" + name + "' (expected: " + nameList("trust_stores", trustStores) + ")");
        }
        return name;
    }

    /** What a reference to one of {@code names} may be, for an error message. */
    static String nameList(String section, Set<String> names) {
        return names.isEmpty() ? "a name defined under " + section + ", which defines none"
                : "one of " + String.join(", ", names) + " (defined under " + section + ")";
    }

    static <E> Map<String, E> choices(Object... pairs) {
        Map<String, E> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            @SuppressWarnings("unchecked")
            E value = (E) pairs[i + 1];
            map.put((String) pairs[i], value);
        }
        return map;
    }
}
