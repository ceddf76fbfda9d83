/**
 * The admin listener: health and readiness, Prometheus metrics, the JSON API (state, rejections, reload)
 * and the dashboard page, served over plain HTTP on its own event loop, apart from the listeners.
 */
package dev.gatehouse.server.admin;
