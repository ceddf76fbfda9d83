/**
 * Authorization by client identity: the {@code client_certificate} condition of rules, its
 * distinguished-name patterns, and the wildcard matcher of every rule pattern.
 */
package dev.gatehouse.server.authz;
