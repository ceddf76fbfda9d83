/** The socket transport (io_uring, epoll or NIO) of the gateway's event loops and of every channel on them. */
package dev.gatehouse.server.transport;
