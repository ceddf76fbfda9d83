/** The socket transport (io_uring, epoll or NIO) of the gateway's event loops, the CPUs they run on, and every channel on them. */
package dev.gatehouse.server.transport;
