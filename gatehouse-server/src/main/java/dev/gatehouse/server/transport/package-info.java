/** The socket transport (epoll or NIO) of the gateway's event loops and of every channel on them. */
package dev.gatehouse.server.transport;
