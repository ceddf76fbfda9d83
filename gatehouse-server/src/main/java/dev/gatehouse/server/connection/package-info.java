/**
 * What every stage knows of one client connection once it is ready for HTTP: small immutable values
 * ({@link dev.gatehouse.server.connection.ConnectionInfo}, trace ids) that the listener stage computes and
 * the HTTP, routing and header stages read, so that none of them depends on the listener.
 */
package dev.gatehouse.server.connection;
