/**
 * What the gateway records: the connection log, the access log, and the log file written by its own
 * thread so that event loops never touch the disk.
 */
package dev.gatehouse.server.observe;
