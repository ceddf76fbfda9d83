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

    private static final CountDownLatch STOP = new CountDownLatch(1);

    /**
     * Takes over SIGTERM, SIGINT and SIGHUP. Call it before anything slow (loading large CRLs): a SIGHUP
     * must never kill a starting gateway, and a SIGTERM during start stops it as soon as it is up.
     */
    static void install() {
        Signal.handle(new Signal("TERM"), s -> STOP.countDown());
        Signal.handle(new Signal("INT"), s -> STOP.countDown());
        Signal.handle(new Signal("HUP"), s -> log.warn("SIGHUP received and ignored: configuration reload is not supported yet"));
    }

    /** Blocks until SIGTERM or SIGINT arrives (installing the handlers if {@link #install} was not called). */
    static void awaitStop() {
        install();
        CountDownLatch stop = STOP;
        while (stop.getCount() > 0) {
            try {
                stop.await();
            } catch (InterruptedException e) {
                // only a signal ends the wait
            }
        }
    }
}
