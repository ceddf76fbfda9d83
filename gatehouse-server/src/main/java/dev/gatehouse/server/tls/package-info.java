/**
 * The server side of TLS: SSL contexts per certificate and SNI, the judge of client certificates during
 * the handshake, and the TLS alert each failure code sends.
 */
package dev.gatehouse.server.tls;
