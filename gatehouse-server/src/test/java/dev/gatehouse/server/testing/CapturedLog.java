package dev.gatehouse.server.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What one class logs while this is open: {@code try (CapturedLog log = CapturedLog.of(Gateway.class)) {...}}. */
public final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(String name) {
        this.logger = (Logger) LoggerFactory.getLogger(name);
        appender.start();
        logger.addAppender(appender);
    }

    public static CapturedLog of(Class<?> source) {
        return new CapturedLog(source.getName());
    }

    /** By logger name, for a class the test cannot see (package-private elsewhere). */
    public static CapturedLog of(String loggerName) {
        return new CapturedLog(loggerName);
    }

    /**
     * The formatted messages logged so far at {@code level} or above. Safe while other threads (event loops,
     * health checks) still log: the appender adds under its own lock, so the list is copied under it.
     */
    public List<String> messages(Level level) {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = List.copyOf(appender.list);
        }
        return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(level))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
