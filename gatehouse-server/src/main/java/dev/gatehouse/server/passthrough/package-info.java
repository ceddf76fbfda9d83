/**
 * {@code tls_passthrough} listeners: the ClientHello's server name read without terminating TLS, a target
 * picked by it, and the connection's bytes relayed both ways untouched.
 */
package dev.gatehouse.server.passthrough;
