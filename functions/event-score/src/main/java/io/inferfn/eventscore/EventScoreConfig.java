package io.inferfn.eventscore;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where event-score writes its outputs, and how it reads a message. */
@ConfigMapping(prefix = "inferfn.event")
public interface EventScoreConfig {

    /**
     * The value's field that names the entity (the sensor) when a message has no key: SQS messages
     * and keyless Kafka records. It is never passed to the model as a feature.
     */
    @WithDefault("entityId")
    String entityField();

    /** Topic of every prediction, keyed by entity id, with the model's name and version in headers. */
    @WithDefault("predictions")
    String predictionsTopic();

    /** Topic of the predictions whose score reaches the alert threshold. */
    @WithDefault("alerts")
    String alertsTopic();

    /**
     * Topic of the messages that could not be scored: the original key and value, with the reason,
     * source topic, partition and offset in {@code dead-letter-*} headers.
     */
    @WithDefault("sensor-readings-dlq")
    String deadLetterTopic();

    /**
     * The score at or above which a prediction is also an alert; by default the manifest's highest threshold. For a
     * text classifier, the probability of {@link #alertLabel()} at or above which it is; by default the manifest's
     * {@code output.classThresholds} entry for that label.
     */
    OptionalDouble alertThreshold();

    /**
     * A text classifier's class whose probability makes an alert (with {@link #alertThreshold()}); unset: a text
     * classifier sends no alerts. It must be one of the model's labels.
     */
    Optional<String> alertLabel();

    /** The value's field holding a text message's text (a text model only). */
    @WithDefault("text")
    String textField();

    /**
     * The value's field naming a text message when it has no key (an SQS message, a keyless Kafka record): the {@code
     * id} of its prediction. A text model only; never passed to the model.
     */
    @WithDefault("id")
    String textIdField();

    /**
     * The most texts in one ONNX Runtime call: a poll of more is scored in calls of this many (a transformer's call
     * grows with its texts times their longest length, padding included).
     */
    @WithDefault("64")
    int maxTextsPerCall();

    /**
     * How long a Lambda invocation waits for the broker to acknowledge its outputs before it reports
     * the batch failed (and the queue redelivers it). Keep it under the function's timeout.
     */
    @WithDefault("20s")
    Duration outputTimeout();

    /**
     * The largest value a dead letter carries. A message larger than this (it was rejected for its
     * size) is dead-lettered with its first bytes and {@code dead-letter-original-size} / {@code
     * dead-letter-original-sha256} headers, so a dead letter always fits in a producer request and
     * the dead-letter topic's {@code max.message.bytes}. Keep it a few KiB under both.
     */
    @WithDefault("65536")
    int deadLetterMaxValueBytes();

    /**
     * What a dead letter the topic refuses does. {@code true} (the Kafka consumer): retried with a
     * growing delay (at most 10 s) until the topic takes it, readiness DOWN meanwhile, its batch
     * unacknowledged so that no offset is committed past it. {@code false} (Lambda): the batch
     * fails and the event source mapping retries it (then its on-failure destination).
     */
    @WithDefault("true")
    boolean deadLetterRetry();
}
