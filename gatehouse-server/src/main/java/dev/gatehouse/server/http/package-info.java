/**
 * The HTTP stage of a listener: HTTP/1.1 and HTTP/2 decoding, client timeouts, request-head checks, and
 * the exchange that routes a request and streams it to a target and the response back.
 */
package dev.gatehouse.server.http;
