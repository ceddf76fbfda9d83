/**
 * What is removed from and added to requests on their way to targets: spoofable identity headers and
 * hop-by-hop headers out; the connection's identity headers and {@code X-Forwarded-*} in; and how each
 * message passed on is framed ({@code Content-Length}, chunked, {@code Connection}).
 */
package dev.gatehouse.server.headers;
