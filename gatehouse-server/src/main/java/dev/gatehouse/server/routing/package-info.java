/**
 * A listener's rules compiled into a route table: conditions on the request, and the action of the
 * first rule that matches (or of {@code default_action}).
 */
package dev.gatehouse.server.routing;
