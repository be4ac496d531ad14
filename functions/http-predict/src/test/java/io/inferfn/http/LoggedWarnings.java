package io.inferfn.http;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The warnings (and worse) one logger writes while a test listens, formatted as an operator reads them: for tests
 * that an event is reported exactly once, and in words that name the setting to look at.
 */
final class LoggedWarnings extends Handler {

    private final String logger;
    private final List<String> messages = new CopyOnWriteArrayList<>();

    /** @param logger the logger's name (the class that logs, e.g. {@code io.inferfn.runtime.RedisPipelines}) */
    LoggedWarnings(String logger) {
        this.logger = logger;
    }

    /** Starts listening (in a {@code @BeforeEach}). */
    void listen() {
        Logger.getLogger(logger).addHandler(this);
    }

    /** Stops listening (in an {@code @AfterEach}). */
    void stop() {
        Logger.getLogger(logger).removeHandler(this);
    }

    /** What was logged since {@link #listen()} or the last {@link #clear()}. */
    List<String> messages() {
        return messages;
    }

    void clear() {
        messages.clear();
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            Object[] args = record.getParameters();
            messages.add(args == null ? record.getMessage() : String.format(record.getMessage(), args));
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
