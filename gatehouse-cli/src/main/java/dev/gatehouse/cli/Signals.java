package dev.gatehouse.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How a running gateway meets the operator's signals: SIGTERM and SIGINT stop it (gracefully, by the
 * caller), SIGHUP is logged and ignored — configuration reload is not built yet, and the JVM's default
 * for SIGHUP would kill the gateway.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /** Blocks until SIGTERM or SIGINT arrives. */
    static void awaitStop() {
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("HUP"), s -> log.warn("SIGHUP received and ignored: configuration reload is not supported yet"));
        while (stop.getCount() > 0) {
            try {
                stop.await();
            } catch (InterruptedException e) {
                // only a signal ends the wait
            }
        }
    }
}
