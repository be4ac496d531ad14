package io.inferfn.eventscore;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: DOWN, with the broker's error, while dead letters wait for a dead-letter topic that
 * refuses them. The batches holding them stay unacknowledged, so no offset is committed past a
 * message that has neither a prediction nor a dead letter; UP again once the topic takes them.
 */
@Readiness
@ApplicationScoped
public class DeadLetterHealthCheck implements HealthCheck {

    static final String NAME = "inferfn-dead-letters";

    private final AtomicInteger waiting = new AtomicInteger();
    private volatile String topic = "";
    private volatile String error = "";
    private volatile Instant since = Instant.EPOCH;

    /** A dead letter was refused for the first time; it is retried until the topic takes it. */
    void refused(String topic, Exception failure) {
        if (waiting.getAndIncrement() == 0) {
            since = Instant.now();
        }
        this.topic = topic;
        this.error = failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    /** A dead letter refused before was finally acknowledged. */
    void delivered() {
        waiting.decrementAndGet();
    }

    /** How many dead letters are waiting for the dead-letter topic to take them. */
    int waiting() {
        return waiting.get();
    }

    @Override
    public HealthCheckResponse call() {
        int n = waiting.get();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).status(n == 0);
        if (n > 0) {
            response.withData(
                            "message",
                            "dead-letter topic " + topic + " refuses writes: " + n
                                    + " dead letter(s) waiting and retried; offsets are not committed past them")
                    .withData("error", error)
                    .withData("since", since.toString());
        }
        return response.build();
    }
}
