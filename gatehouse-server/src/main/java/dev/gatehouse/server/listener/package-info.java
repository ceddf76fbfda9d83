/**
 * Accepts client connections: sets up each connection's pipeline from the listener's runtime, and at the
 * end of the TLS handshake writes the connection-log line and hands the connection to HTTP.
 */
package dev.gatehouse.server.listener;
