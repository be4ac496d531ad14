package io.inferfn.batch;

import java.util.ArrayList;
import java.util.List;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.TextModel;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * A text model's batch of rows: each row's text (its only column, {@link BatchOptions#textColumn()}) checked, the
 * valid ones scored by {@link Scorer#scoreTexts} in one ONNX Runtime call, and each result a prediction: an
 * embedding (its {@code score} the vector's L2 norm) or a classifier's top label, its probability as the score, and
 * every class's probability. A row without text, with a value that is not text, or (when the manifest sets {@code
 * text.truncation false}) longer than the model takes goes to the rejects with the reason.
 */
final class TextRows {

    private final Scorer scorer;
    private final LoadedModel model;
    private final String column;
    /** Texts the tokenizer cut to the model's maximum length, for the run's log. */
    long truncated;

    TextRows(Scorer scorer, LoadedModel model, String column) {
        this.scorer = scorer;
        this.model = model;
        this.column = column;
    }

    List<Prediction> score(List<SourceRow> rows, Scorer.Rejects rejects) {
        List<SourceRow> valid = new ArrayList<>(rows.size());
        int[] at = new int[rows.size()]; // each valid row's index in rows
        List<String> texts = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            SourceRow row = rows.get(r);
            String reason = null;
            Object v = row.values[0];
            if (v == null) {
                reason = "text column '" + column + "' is empty (null); every row needs a text to score";
            } else if (!(v instanceof String s)) {
                reason = "text column '" + column + "' must hold text; got "
                        + v.getClass().getSimpleName() + " " + v;
            } else if (s.isBlank()) {
                reason = "text column '" + column + "' is " + (s.isEmpty() ? "empty" : "blank")
                        + "; every row needs a text to score";
            }
            if (reason != null) {
                rejects.reject(r, row, reason);
            } else {
                at[valid.size()] = r;
                valid.add(row);
                texts.add((String) v);
            }
        }
        if (texts.isEmpty()) {
            return List.of();
        }
        // a text over a non-truncating model's maximum is rejected on its own; the others are still scored
        List<TextModel.Result> results =
                scorer.scoreValidTexts(model, texts, (i, reason) -> rejects.reject(at[i], valid.get(i), reason));
        List<Prediction> predictions = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            TextModel.Result result = results.get(i);
            if (result == null) {
                continue; // rejected above
            }
            SourceRow row = valid.get(i);
            if (result.truncated()) {
                truncated++;
            }
            Prediction p = prediction(row.entityId(), result);
            if (Float.isFinite(p.score())) {
                predictions.add(p);
            } else {
                rejects.reject(
                        at[i],
                        row,
                        "model " + model.name() + " " + model.version()
                                + " returned a non-finite " + (result.embedding() != null ? "embedding" : "probability")
                                + " for this text; no prediction is given");
            }
        }
        return predictions;
    }

    private static Prediction prediction(String entityId, TextModel.Result result) {
        float[] embedding = result.embedding();
        if (embedding != null) {
            double sum = 0;
            for (float x : embedding) {
                sum += (double) x * x;
            }
            return new Prediction(entityId, (float) Math.sqrt(sum), null, false, List.of(), null, null, embedding);
        }
        return new Prediction(
                entityId,
                result.probabilities().get(result.label()),
                result.label(),
                false,
                List.of(),
                result.probabilities());
    }
}
