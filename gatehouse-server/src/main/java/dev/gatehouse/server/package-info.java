/**
 * The gateway as a whole: {@link dev.gatehouse.server.Gateway} starts, binds and stops it, and
 * {@link dev.gatehouse.server.RuntimeState} is everything one configuration builds, swapped as a whole.
 *
 * <p>How a connection goes through the packages below: {@code docs/architecture.md}.
 */
package dev.gatehouse.server;
