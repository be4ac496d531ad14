package io.inferfn.eventscore;

import java.util.ArrayList;
import java.util.List;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.TextModel;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.scoring.StreamPosition;

/**
 * Scores a batch of messages (a Kafka poll, an SQS, Kinesis or MSK event) with one feature-store round trip
 * and one ORT call; a text model's batch in one ORT call per {@code inferfn.event.max-texts-per-call} texts. A message
 * that cannot be scored (not JSON, wrong schema, a value the model rejects) is set aside with its reason and never
 * stops the rest of the batch.
 */
public final class EventScorer {

    private final Scorer scorer;
    private final EventReadings readings;
    private final EventTexts texts;
    private final int maxTextsPerCall;

    /** A scorer of readings, and of text messages {@code {"id", "text"}} in calls of up to 64 texts. */
    public EventScorer(Scorer scorer, EventReadings readings) {
        this(scorer, readings, new EventTexts("text", "id"), 64);
    }

    /** @param maxTextsPerCall the most texts in one ONNX Runtime call */
    public EventScorer(Scorer scorer, EventReadings readings, EventTexts texts, int maxTextsPerCall) {
        if (maxTextsPerCall < 1) {
            throw new IllegalArgumentException(
                    "inferfn.event.max-texts-per-call must be at least 1; got " + maxTextsPerCall);
        }
        this.scorer = scorer;
        this.readings = readings;
        this.texts = texts;
        this.maxTextsPerCall = maxTextsPerCall;
    }

    /** One message of a batch: its key (or null) and its value bytes. */
    public interface Message {
        String key();

        /** Whether the key names the entity only when the value does not (a Kinesis partition key). */
        default boolean keyIsFallback() {
            return false;
        }

        byte[] value();

        /**
         * Why the trigger could not decode this message (an MSK value that is not base64), or null: such a message is
         * set aside with that reason, never read.
         */
        default String undecodable() {
            return null;
        }

        /** Where the message sits in its stream (a Kafka or MSK record), or null when it has no position. */
        default StreamPosition position() {
            return null;
        }
    }

    /**
     * What became of each message of a batch, by its index: a prediction, or the reason it was not
     * scored, with the kind of reason (for metrics). Exactly one of the two is non-null for every index.
     */
    public record Outcomes(Prediction[] predictions, String[] rejections, EventMetrics.DeadLetterReason[] reasons) {

        public int size() {
            return predictions.length;
        }

        /** How many messages were rejected. */
        public int rejected() {
            int n = 0;
            for (String r : rejections) {
                if (r != null) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * What became of each text message of a batch, by its index: its id (null when it names none) and result, or the
     * reason it was not scored, with the kind of reason (for metrics). Exactly one of result and rejection is non-null
     * for every index.
     */
    public record TextOutcomes(
            String[] ids, TextModel.Result[] results, String[] rejections, EventMetrics.DeadLetterReason[] reasons) {

        public int size() {
            return results.length;
        }
    }

    /**
     * Scores text messages with a text model: each value read as a text message, the readable ones tokenized and run
     * in calls of at most {@code maxTextsPerCall} texts. A text over the model's maximum length is cut when its
     * manifest truncates, else set aside with its length and the limit.
     *
     * @throws io.inferfn.scoring.ScoringException when ONNX Runtime fails on a call (the caller retries one by one)
     */
    public TextOutcomes scoreTexts(LoadedModel model, List<? extends Message> messages) {
        int count = messages.size();
        String[] ids = new String[count];
        TextModel.Result[] results = new TextModel.Result[count];
        String[] rejections = new String[count];
        EventMetrics.DeadLetterReason[] reasons = new EventMetrics.DeadLetterReason[count];
        List<String> batch = new ArrayList<>(Math.min(count, maxTextsPerCall));
        int[] index = new int[count];
        for (int i = 0; i < count; i++) {
            Message m = messages.get(i);
            EventTexts.Text text;
            if (m.undecodable() != null) {
                rejections[i] = m.undecodable();
                reasons[i] = EventMetrics.DeadLetterReason.UNREADABLE;
                continue;
            }
            try {
                text = texts.read(m.key(), m.value(), m.keyIsFallback());
            } catch (InvalidRequestException e) {
                rejections[i] = e.getMessage();
                reasons[i] = EventMetrics.DeadLetterReason.UNREADABLE;
                continue;
            }
            ids[i] = text.id();
            index[batch.size()] = i;
            batch.add(text.text());
            if (batch.size() == maxTextsPerCall) {
                scoreTexts(model, batch, index, results, rejections, reasons);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            scoreTexts(model, batch, index, results, rejections, reasons);
        }
        return new TextOutcomes(ids, results, rejections, reasons);
    }

    /** One ORT call: {@code batch}'s text {@code b} is message {@code index[b]}. */
    private void scoreTexts(
            LoadedModel model,
            List<String> batch,
            int[] index,
            TextModel.Result[] results,
            String[] rejections,
            EventMetrics.DeadLetterReason[] reasons) {
        List<TextModel.Result> scored = scorer.scoreValidTexts(model, batch, (b, reason) -> {
            rejections[index[b]] = reason;
            reasons[index[b]] = EventMetrics.DeadLetterReason.REJECTED_BY_MODEL;
        });
        for (int b = 0; b < scored.size(); b++) {
            if (scored.get(b) != null) {
                results[index[b]] = scored.get(b);
            }
        }
    }

    /** Scores {@code messages}; the outcomes are aligned with them. */
    public Outcomes score(LoadedModel model, List<? extends Message> messages) {
        int count = messages.size();
        Prediction[] predictions = new Prediction[count];
        String[] rejections = new String[count];
        EventMetrics.DeadLetterReason[] reasons = new EventMetrics.DeadLetterReason[count];
        List<Row> rows = new ArrayList<>(count);
        int[] index = new int[count];
        boolean needsEntity = model.plan().needsEntityId();
        boolean windows = model.plan().hasWindows();
        for (int i = 0; i < count; i++) {
            Message m = messages.get(i);
            Row row;
            if (m.undecodable() != null) {
                rejections[i] = m.undecodable();
                reasons[i] = EventMetrics.DeadLetterReason.UNREADABLE;
                continue;
            }
            try {
                row = readings.read(m.key(), m.value(), m.keyIsFallback());
            } catch (InvalidRequestException e) {
                rejections[i] = e.getMessage();
                reasons[i] = EventMetrics.DeadLetterReason.UNREADABLE;
                continue;
            }
            if (needsEntity && row.entityId() == null) {
                rejections[i] = "no entity id: the message has no key and its value no '" + readings.entityField()
                        + "' field; model " + model.name() + " reads online features by entity id";
                reasons[i] = EventMetrics.DeadLetterReason.NO_ENTITY_ID;
                continue;
            }
            if (windows) {
                StreamPosition position = m.position();
                if (position == null) {
                    rejections[i] = "model " + model.name() + " keeps window features, which count each reading"
                            + " once by its partition and offset; this message has none (window features are"
                            + " kept from Kafka and MSK records, not SQS or Kinesis messages)";
                    reasons[i] = EventMetrics.DeadLetterReason.REJECTED_BY_MODEL;
                    continue;
                }
                row = Row.at(row.entityId(), row.features(), position);
            }
            index[rows.size()] = i;
            rows.add(row);
        }
        List<Prediction> scored = scorer.scoreValid(model, rows, (r, row, reason) -> {
            rejections[index[r]] = reason;
            reasons[index[r]] = EventMetrics.DeadLetterReason.REJECTED_BY_MODEL;
        });
        // scoreValid returns predictions for the valid rows in row order: walk the rows again
        int p = 0;
        for (int r = 0; r < rows.size(); r++) {
            int i = index[r];
            if (rejections[i] == null) {
                Prediction prediction = scored.get(p++);
                if (Float.isFinite(prediction.score())) {
                    predictions[i] = prediction;
                } else {
                    rejections[i] = "model " + model.name() + " " + model.version() + " returned a score of "
                            + prediction.score() + " for this message";
                    reasons[i] = EventMetrics.DeadLetterReason.REJECTED_BY_MODEL;
                }
            }
        }
        return new Outcomes(predictions, rejections, reasons);
    }
}
