package io.inferfn.eventscore;

import java.util.Locale;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;

import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.metrics.InferfnMetrics;

/**
 * event-score's meters (README "Observability"): readings, alerts and dead letters by reason,
 * messages per poll, time per batch and a reading's lag from its record timestamp to its prediction.
 * Built once (per model when it is first served); a batch only increments them.
 */
@Singleton
public class EventMetrics {

    /** Why a message went to the dead-letter topic: the {@code reason} tag, a fixed set. */
    public enum DeadLetterReason {
        /** Not JSON, not an object, too large, a field twice: the message itself cannot be read. */
        UNREADABLE,
        /** No key and no entity field, for a model that reads online features by entity id. */
        NO_ENTITY_ID,
        /** A feature missing or of the wrong type or range for the model, or a score that is not a number. */
        REJECTED_BY_MODEL,
        /** ONNX Runtime failed on the message. */
        SCORING_FAILED;

        final String tag = name().toLowerCase(Locale.ROOT);
    }

    @Inject
    InferfnMetrics metrics;

    private Counter[] deadLetters;
    private DistributionSummary pollSize;
    private Timer batchDuration;
    private Timer lag;

    @jakarta.annotation.PostConstruct
    void init() {
        DeadLetterReason[] reasons = DeadLetterReason.values();
        deadLetters = new Counter[reasons.length];
        for (DeadLetterReason r : reasons) {
            deadLetters[r.ordinal()] = Counter.builder(InferfnMetrics.EVENT_DEAD_LETTERS)
                    .tag("reason", r.tag)
                    .description("messages sent to the dead-letter topic, by reason")
                    .register(metrics.registry());
        }
        pollSize = metrics.summary(InferfnMetrics.EVENT_POLL_SIZE, "messages per poll (or Lambda event)");
        batchDuration = metrics.latency(InferfnMetrics.EVENT_BATCH_DURATION);
        lag = metrics.latency(InferfnMetrics.EVENT_LAG);
    }

    /** The per-model meters of {@code model}; build once per model served. */
    ModelMeters forModel(LoadedModel model) {
        return new ModelMeters(model);
    }

    void deadLetter(DeadLetterReason reason) {
        deadLetters[reason.ordinal()].increment();
    }

    void batch(int size, long nanos) {
        pollSize.record(size);
        batchDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** A reading whose record carries {@code timestamp} (epoch ms) had its prediction sent at {@code nowMillis}. */
    void lag(long timestamp, long nowMillis) {
        if (timestamp > 0 && nowMillis >= timestamp) {
            lag.record(nowMillis - timestamp, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Readings and alerts of one model. */
    final class ModelMeters {
        final Counter ok;
        final Counter degraded;
        final Counter alerts;

        ModelMeters(LoadedModel model) {
            String[] tags = {"model", model.name(), "version", model.version()};
            ok = Counter.builder(InferfnMetrics.EVENT_READINGS)
                    .tags(tags)
                    .tag("outcome", "ok")
                    .description("readings scored")
                    .register(metrics.registry());
            degraded = Counter.builder(InferfnMetrics.EVENT_READINGS)
                    .tags(tags)
                    .tag("outcome", "degraded")
                    .description("readings scored")
                    .register(metrics.registry());
            alerts = Counter.builder(InferfnMetrics.EVENT_ALERTS)
                    .tags(tags)
                    .description("predictions also sent to the alerts topic")
                    .register(metrics.registry());
        }
    }
}
