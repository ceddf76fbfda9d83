/**
 * Reads and writes the headers in which TLS-terminating proxies forward a client certificate chain
 * (the load balancer's URL-encoded PEM, nginx, Envoy XFCC, Traefik, RFC 9440, plain PEM): exactly, or
 * with an error that says where and what was expected. No runtime dependencies.
 */
package dev.gatehouse.clientcert;
