package dev.gatehouse.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * How a running gateway meets the operator's signals: SIGTERM and SIGINT stop it (gracefully, by the
 * caller), SIGHUP reloads its configuration, SIGUSR1 reopens its log files (after logrotate renamed
 * them). The handlers are installed before the gateway starts: the JVM's default for SIGHUP and SIGUSR1
 * would kill it. A SIGHUP that arrives while the gateway starts is kept and acted on once it serves (the
 * files may have changed after they were read); a SIGUSR1 then needs nothing (the logs are being opened).
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    private static final CountDownLatch STOP = new CountDownLatch(1);
    private static final AtomicReference<Runnable> RELOAD = new AtomicReference<>();
    private static final AtomicReference<Runnable> REOPEN_LOGS = new AtomicReference<>();
    private static final AtomicBoolean RELOAD_PENDING = new AtomicBoolean();

    /**
     * Takes over SIGTERM, SIGINT, SIGHUP and SIGUSR1. Call it before anything slow (loading large CRLs): a
     * SIGHUP must never kill a starting gateway, and a SIGTERM during start stops it as soon as it is up.
     */
    static void install() {
        Signal.handle(new Signal("TERM"), s -> STOP.countDown());
        Signal.handle(new Signal("INT"), s -> STOP.countDown());
        SignalHandler before = Signal.handle(new Signal("HUP"), s -> {
            Runnable reload = RELOAD.get();
            if (reload == null) {
                RELOAD_PENDING.set(true);
                log.info("SIGHUP received while starting: reloading once the gateway serves");
            } else {
                reload.run();
            }
        });
        if (before == SignalHandler.SIG_IGN) {
            // The JVM leaves a signal that was ignored when it started (nohup, a supervisor's setting) ignored.
            log.warn("SIGHUP is ignored in this process (started under nohup, or with SIGHUP ignored): it will "
                    + "not reload the configuration (watched files still reload when they change, and so does the "
                    + "admin API's POST /api/v1/reload)");
        }
        Signal.handle(new Signal("USR1"), s -> {
            Runnable reopen = REOPEN_LOGS.get();
            if (reopen != null) {
                reopen.run();
            }
        });
    }

    /**
     * What SIGHUP and SIGUSR1 do from now on (they run on the JVM's signal thread: hand slow work over).
     * Runs {@code reload} at once if a SIGHUP arrived before.
     */
    static void serving(Runnable reload, Runnable reopenLogs) {
        REOPEN_LOGS.set(reopenLogs);
        RELOAD.set(reload);
        if (RELOAD_PENDING.getAndSet(false)) {
            reload.run();
        }
    }

    /** Whether SIGTERM or SIGINT has arrived (a start-up warm-up then ends at once). */
    static boolean stopRequested() {
        return STOP.getCount() == 0;
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
