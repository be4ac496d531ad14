package io.inferfn.eventscore;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;
import io.inferfn.scoring.ScoringException;
import io.inferfn.scoring.StreamPosition;

/**
 * One batch of messages from any trigger (a Kafka poll, an SQS, Kinesis or MSK event): scored in one batch,
 * then every prediction to the predictions topic, the alerts also to the alerts topic, and the
 * messages that could not be scored to the dead-letter topic (or back to the caller, for SQS and Kinesis).
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

    /** What is derived once per model: its headers, its alert threshold and its meters. */
    private record Served(LoadedModel model, Header[] headers, float alertThreshold, EventMetrics.ModelMeters meters) {}

    @PostConstruct
    void init() {
        events = new EventScorer(scorer, new EventReadings(config.entityField()));
    }

    /**
     * One message and where it came from (for the dead-letter headers).
     *
     * @param timestamp its record's timestamp (epoch ms, for the lag metric), or -1 where the trigger
     *     gives none
     * @param trace the message's W3C trace context headers ({@code traceparent}, {@code
     *     tracestate}), carried as they are into its outputs; null when it has none
     */
    public record Inbound(
            String key,
            byte[] value,
            String topic,
            int partition,
            long offset,
            long timestamp,
            Header[] trace,
            boolean keyIsFallback)
            implements EventScorer.Message {

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
     * @param outcomes what became of each message, by index
     * @param alerts how many predictions were alerts
     * @param acked completes when the broker has acknowledged every output of the batch
     */
    public record Result(EventScorer.Outcomes outcomes, int alerts, CompletableFuture<Void> acked) {}

    /**
     * Scores {@code batch} and sends its outputs.
     *
     * @param deadLetter true: rejected messages go to the dead-letter topic; false: the caller
     *     reports them itself (SQS and Kinesis partial batch failures, with the queue's redrive or the mapping's retries)
     */
    public Result process(List<Inbound> batch, boolean deadLetter) {
        long start = System.nanoTime();
        Served s = served();
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
                outputs.deadLetter(
                        in.key(),
                        in.value(),
                        outcomes.rejections()[i],
                        in.topic(),
                        in.partition(),
                        in.offset(),
                        in.trace(),
                        acks);
                metrics.deadLetter(outcomes.reasons()[i]);
            }
        }
        if (ok > 0) {
            s.meters.ok.increment(ok);
        }
        if (degraded > 0) {
            s.meters.degraded.increment(degraded);
        }
        if (alerts > 0) {
            s.meters.alerts.increment(alerts);
        }
        metrics.batch(batch.size(), System.nanoTime() - start);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("Scored %d message(s): %d alert(s), %d rejected", batch.size(), alerts, outcomes.rejected());
        }
        return new Result(outcomes, alerts, acks.sealed());
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
            s = new Served(model, EventOutputs.modelHeaders(model), alertThreshold(model), metrics.forModel(model));
            served = s;
        }
        return s;
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
