/**
 * The start-up warm-up of {@code gatehouse serve}: before the configured listeners bind, a throwaway
 * gateway on loopback, with a throwaway PKI and target, is driven through the paths real traffic takes
 * (full mutual-TLS handshakes of returning clients and of devices never seen, resumed sessions,
 * keep-alive requests, HTTP/2 streams) until the JIT compilers have settled. A freshly started JVM
 * otherwise runs these paths interpreted while it compiles them, at several times the CPU per handshake:
 * exactly when a restart or deploy brings every client back at once.
 */
package dev.gatehouse.server.warmup;
