/**
 * What is removed from and added to requests on their way to targets: spoofable identity headers and
 * hop-by-hop headers out; the connection's identity headers and {@code X-Forwarded-*} in.
 */
package dev.gatehouse.server.headers;
