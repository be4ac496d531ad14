package io.inferfn.eventscore;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.TextModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;
import io.inferfn.scoring.ScoringException;
import io.inferfn.scoring.StreamPosition;

/**
 * One batch of messages from any trigger (a Kafka poll, an SQS, Kinesis or MSK event): scored in one batch,
 * then every prediction to the predictions topic, the alerts also to the alerts topic, and the
 * messages that could not be scored to the dead-letter topic (or back to the caller, for SQS and Kinesis). With a text
 * model the messages are texts ({@link EventTexts}), scored by {@link EventScorer#scoreTexts}.
 */
@ApplicationScoped
public class EventBatches {

    private static final Logger LOG = Logger.getLogger(EventBatches.class);

    /** A Kafka consumer starts with the application, possibly before the model has loaded. */
    private static final Duration MODEL_WAIT = Duration.ofSeconds(120);

    @Inject
    ModelCatalog catalog;

    @Inject
    Scorer scorer;

    @Inject
    EventOutputs outputs;

    @Inject
    EventScoreConfig config;

    @Inject
    EventMetrics metrics;

    private EventScorer events;
    private volatile Served served;

    /**
     * What is derived once per model: its headers, its alert threshold (for a text classifier, of {@code alertLabel}'s
     * probability) and its meters.
     */
    private record Served(
            LoadedModel model,
            Header[] headers,
            float alertThreshold,
            String alertLabel,
            EventMetrics.ModelMeters meters) {}

    @PostConstruct
    void init() {
        events = new EventScorer(
                scorer,
                new EventReadings(config.entityField()),
                new EventTexts(config.textField(), config.textIdField()),
                config.maxTextsPerCall());
    }

    /**
     * One message and where it came from (for the dead-letter headers).
     *
     * @param timestamp its record's timestamp (epoch ms, for the lag metric), or -1 where the trigger
     *     gives none
     * @param trace the message's W3C trace context headers ({@code traceparent}, {@code
     *     tracestate}), carried as they are into its outputs; null when it has none
     * @param undecodable why the trigger could not decode the message (an MSK key or value that is not base64; key and
     *     value are then as the event carried them), or null
     */
    public record Inbound(
            String key,
            byte[] value,
            String topic,
            int partition,
            long offset,
            long timestamp,
            Header[] trace,
            boolean keyIsFallback,
            String undecodable)
            implements EventScorer.Message {

        /** A message the trigger decoded. */
        public Inbound(
                String key,
                byte[] value,
                String topic,
                int partition,
                long offset,
                long timestamp,
                Header[] trace,
                boolean keyIsFallback) {
            this(key, value, topic, partition, offset, timestamp, trace, keyIsFallback, null);
        }

        /** A message whose key, when it has one, names its entity. */
        public Inbound(
                String key, byte[] value, String topic, int partition, long offset, long timestamp, Header[] trace) {
            this(key, value, topic, partition, offset, timestamp, trace, false);
        }

        /** A message without a timestamp or trace context. */
        public Inbound(String key, byte[] value, String topic, int partition, long offset) {
            this(key, value, topic, partition, offset, -1, null);
        }

        /** A Kafka or MSK record's topic partition and offset; null for a message without them (SQS, Kinesis). */
        @Override
        public StreamPosition position() {
            return partition < 0 || offset < 0 || topic == null
                    ? null
                    : StreamPosition.kafka(topic, partition, offset, timestamp);
        }
    }

    /**
     * @param rejections why each message was not scored, by index; null for a message that was
     * @param alerts how many predictions were alerts
     * @param acked completes when the broker has acknowledged every output of the batch
     */
    public record Result(String[] rejections, int alerts, CompletableFuture<Void> acked) {}

    /**
     * Scores {@code batch} and sends its outputs.
     *
     * @param deadLetter true: rejected messages go to the dead-letter topic; false: the caller
     *     reports them itself (SQS and Kinesis partial batch failures, with the queue's redrive or the mapping's retries)
     */
    public Result process(List<Inbound> batch, boolean deadLetter) {
        long start = System.nanoTime();
        Served s = served();
        if (s.model.text() != null) {
            return processTexts(s, batch, deadLetter, start);
        }
        EventScorer.Outcomes outcomes;
        try {
            outcomes = events.score(s.model, batch);
        } catch (ScoringException e) {
            // ONNX Runtime failed on the batch: find the message(s) it fails on, one by one, and set them aside
            outcomes = oneByOne(s.model, batch, e);
        }
        EventOutputs.Acks acks = outputs.acks();
        int alerts = 0;
        int ok = 0;
        int degraded = 0;
        long now = System.currentTimeMillis();
        for (int i = 0; i < outcomes.size(); i++) {
            Prediction p = outcomes.predictions()[i];
            Inbound in = batch.get(i);
            if (p != null) {
                byte[] json = PredictionJson.write(p);
                outputs.prediction(p.entityId(), json, s.headers, in.trace(), acks);
                metrics.lag(in.timestamp(), now);
                if (p.degraded()) {
                    degraded++;
                } else {
                    ok++;
                }
                if (p.score() >= s.alertThreshold) {
                    outputs.alert(p.entityId(), json, s.headers, in.trace(), acks);
                    alerts++;
                }
            } else if (deadLetter) {
                deadLetter(in, outcomes.rejections()[i], outcomes.reasons()[i], acks);
            }
        }
        return finish(s, batch.size(), outcomes.rejections(), ok, degraded, alerts, acks, start);
    }

    /**
     * A text model's batch: every text message's prediction (keyed by its id) to the predictions topic, a
     * classifier's whose {@code inferfn.event.alert-label} probability reaches the threshold also to the alerts topic,
     * the messages that could not be scored to the dead-letter topic (or back to the caller).
     */
    private Result processTexts(Served s, List<Inbound> batch, boolean deadLetter, long start) {
        EventScorer.TextOutcomes outcomes;
        try {
            outcomes = events.scoreTexts(s.model, batch);
        } catch (ScoringException e) {
            outcomes = textsOneByOne(s.model, batch, e);
        }
        EventOutputs.Acks acks = outputs.acks();
        int alerts = 0;
        long now = System.currentTimeMillis();
        for (int i = 0; i < outcomes.size(); i++) {
            TextModel.Result r = outcomes.results()[i];
            Inbound in = batch.get(i);
            if (r != null) {
                String id = outcomes.ids()[i];
                byte[] json = PredictionJson.writeText(id, s.model.name(), s.model.version(), r);
                outputs.prediction(id, json, s.headers, in.trace(), acks);
                metrics.lag(in.timestamp(), now);
                if (s.alertLabel != null && r.probabilities().get(s.alertLabel) >= s.alertThreshold) {
                    outputs.alert(id, json, s.headers, in.trace(), acks);
                    alerts++;
                }
            } else if (deadLetter) {
                deadLetter(in, outcomes.rejections()[i], outcomes.reasons()[i], acks);
            }
        }
        int scored = batch.size();
        for (String rejection : outcomes.rejections()) {
            if (rejection != null) {
                scored--;
            }
        }
        return finish(s, batch.size(), outcomes.rejections(), scored, 0, alerts, acks, start);
    }

    private void deadLetter(Inbound in, String reason, EventMetrics.DeadLetterReason kind, EventOutputs.Acks acks) {
        outputs.deadLetter(in.key(), in.value(), reason, in.topic(), in.partition(), in.offset(), in.trace(), acks);
        metrics.deadLetter(kind);
    }

    private Result finish(
            Served s,
            int size,
            String[] rejections,
            int ok,
            int degraded,
            int alerts,
            EventOutputs.Acks acks,
            long start) {
        if (ok > 0) {
            s.meters.ok.increment(ok);
        }
        if (degraded > 0) {
            s.meters.degraded.increment(degraded);
        }
        if (alerts > 0) {
            s.meters.alerts.increment(alerts);
        }
        metrics.batch(size, System.nanoTime() - start);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("Scored %d message(s): %d alert(s), %d rejected", size, alerts, size - ok - degraded);
        }
        return new Result(rejections, alerts, acks.sealed());
    }

    private EventScorer.TextOutcomes textsOneByOne(
            LoadedModel model, List<Inbound> batch, ScoringException batchFailure) {
        LOG.warnf(
                "Scoring a batch of %d text(s) failed (%s); scoring its messages one by one",
                batch.size(), batchFailure.getMessage());
        int n = batch.size();
        String[] ids = new String[n];
        TextModel.Result[] results = new TextModel.Result[n];
        String[] rejections = new String[n];
        EventMetrics.DeadLetterReason[] reasons = new EventMetrics.DeadLetterReason[n];
        for (int i = 0; i < n; i++) {
            try {
                EventScorer.TextOutcomes one = events.scoreTexts(model, List.of(batch.get(i)));
                ids[i] = one.ids()[0];
                results[i] = one.results()[0];
                rejections[i] = one.rejections()[0];
                reasons[i] = one.reasons()[0];
            } catch (ScoringException e) {
                rejections[i] = e.getMessage();
                reasons[i] = EventMetrics.DeadLetterReason.SCORING_FAILED;
            }
        }
        return new EventScorer.TextOutcomes(ids, results, rejections, reasons);
    }

    private EventScorer.Outcomes oneByOne(LoadedModel model, List<Inbound> batch, ScoringException batchFailure) {
        LOG.warnf(
                "Scoring a batch of %d failed (%s); scoring its messages one by one",
                batch.size(), batchFailure.getMessage());
        Prediction[] predictions = new Prediction[batch.size()];
        String[] rejections = new String[batch.size()];
        EventMetrics.DeadLetterReason[] reasons = new EventMetrics.DeadLetterReason[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            try {
                EventScorer.Outcomes one = events.score(model, List.of(batch.get(i)));
                predictions[i] = one.predictions()[0];
                rejections[i] = one.rejections()[0];
                reasons[i] = one.reasons()[0];
            } catch (ScoringException e) {
                rejections[i] = e.getMessage();
                reasons[i] = EventMetrics.DeadLetterReason.SCORING_FAILED;
            }
        }
        return new EventScorer.Outcomes(predictions, rejections, reasons);
    }

    private Served served() {
        LoadedModel model = catalog.awaitReady(null, MODEL_WAIT);
        Served s = served;
        if (s == null || s.model != model) {
            if (model.text() != null) {
                TextAlert alert = textAlert(model, config.alertLabel(), config.alertThreshold());
                if (alert == null) {
                    LOG.infof(
                            "Model %s %s is a text model and inferfn.event.alert-label is unset: nothing will be sent"
                                    + " to %s",
                            model.name(), model.version(), config.alertsTopic());
                }
                s = new Served(
                        model,
                        EventOutputs.modelHeaders(model),
                        alert == null ? Float.POSITIVE_INFINITY : alert.threshold(),
                        alert == null ? null : alert.label(),
                        metrics.forModel(model));
            } else {
                s = new Served(
                        model, EventOutputs.modelHeaders(model), alertThreshold(model), null, metrics.forModel(model));
            }
            served = s;
        }
        return s;
    }

    /** A text classifier's alert: the class watched and the probability at or above which it alerts. */
    record TextAlert(String label, float threshold) {}

    /**
     * A text model's alert, or null when {@code label} is unset. A label the model does not have, a label without a
     * threshold (neither {@code threshold} nor the manifest's {@code classThresholds} entry), or a label for an
     * embedding model is a configuration mistake: it fails every batch, saying which.
     *
     * @param label {@code inferfn.event.alert-label}
     * @param threshold {@code inferfn.event.alert-threshold}
     */
    static TextAlert textAlert(LoadedModel model, Optional<String> label, OptionalDouble threshold) {
        if (label.isEmpty()) {
            return null;
        }
        TextModel text = model.text();
        String watched = label.get();
        String named = model.name() + " " + model.version();
        if (text.embeds()) {
            throw new IllegalStateException("inferfn.event.alert-label is '" + watched + "' but model " + named
                    + " answers embeddings, not classes: unset inferfn.event.alert-label");
        }
        if (!text.labels().contains(watched)) {
            throw new IllegalStateException("inferfn.event.alert-label is '" + watched + "', which is not a class of"
                    + " model " + named + "; its classes are " + text.labels());
        }
        if (threshold.isPresent()) {
            return new TextAlert(watched, (float) threshold.getAsDouble());
        }
        Map<String, Double> classThresholds = model.manifest().output().classThresholds();
        Double declared = classThresholds == null ? null : classThresholds.get(watched);
        if (declared == null) {
            throw new IllegalStateException("inferfn.event.alert-label is '" + watched + "' and no threshold is set:"
                    + " set inferfn.event.alert-threshold (a probability) or model " + named
                    + "'s output.classThresholds['" + watched + "']");
        }
        return new TextAlert(watched, declared.floatValue());
    }

    private float alertThreshold(LoadedModel model) {
        if (config.alertThreshold().isPresent()) {
            return (float) config.alertThreshold().getAsDouble();
        }
        List<Double> thresholds = model.manifest().output().thresholds();
        if (thresholds == null || thresholds.isEmpty()) {
            LOG.warnf(
                    "Model %s %s declares no output thresholds and inferfn.event.alert-threshold is unset:"
                            + " nothing will be sent to %s",
                    model.name(), model.version(), config.alertsTopic());
            return Float.POSITIVE_INFINITY;
        }
        return thresholds.get(thresholds.size() - 1).floatValue();
    }
}
