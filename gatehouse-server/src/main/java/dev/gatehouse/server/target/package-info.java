/**
 * The targets behind the gateway: target groups and their balancing, health checks, per-event-loop
 * connection pools, target connections and TLS to targets.
 */
package dev.gatehouse.server.target;
