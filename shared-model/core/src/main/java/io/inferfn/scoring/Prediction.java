package io.inferfn.scoring;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The outcome of scoring one row.
 *
 * @param entityId the row's entity id, echoed
 * @param score the model's score (the configured output column); for a multiclass model the probability of the
 *     label (the highest probability when no class reaches its threshold); for a regression model the value
 * @param label the manifest's label for the score, or null when the manifest defines no thresholds; for a
 *     multiclass model the most probable class that reaches its threshold, or null when none does
 * @param degraded true when a feature the model needs was missing (store down, slow, or no value)
 *     and its default was used instead
 * @param missingFeatures the features that fell back to their defaults, in manifest order
 * @param probabilities the probability of each class, in the model's class order, for a multiclass model; else
 *     null (and left out of JSON)
 * @param stages for a model that reads other models' outputs (a chain), each model scored before it on this row,
 *     in scoring order; else null (and left out of JSON). A chained prediction is degraded when any stage is.
 * @param embedding a text embedding model's vector for the row (its {@code score} is then the vector's L2 norm);
 *     else null (and left out of JSON)
 */
public record Prediction(
        String entityId,
        float score,
        String label,
        boolean degraded,
        List<String> missingFeatures,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Float> probabilities,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Stage> stages,
        @JsonInclude(JsonInclude.Include.NON_NULL) float[] embedding) {

    /** A prediction of a tabular model or a text classifier (no embedding). */
    public Prediction(
            String entityId,
            float score,
            String label,
            boolean degraded,
            List<String> missingFeatures,
            Map<String, Float> probabilities,
            List<Stage> stages) {
        this(entityId, score, label, degraded, missingFeatures, probabilities, stages, null);
    }

    /** A binary or regression prediction (no class probabilities). */
    public Prediction(String entityId, float score, String label, boolean degraded, List<String> missingFeatures) {
        this(entityId, score, label, degraded, missingFeatures, null, null, null);
    }

    /** A prediction of a model that reads no other model. */
    public Prediction(
            String entityId,
            float score,
            String label,
            boolean degraded,
            List<String> missingFeatures,
            Map<String, Float> probabilities) {
        this(entityId, score, label, degraded, missingFeatures, probabilities, null, null);
    }

    /**
     * What one upstream model of a chain gave for the row, as its own prediction would say it.
     *
     * @param model the model's name
     * @param version the model's version
     * @param degraded true when this model's own features fell back to defaults
     * @param missingFeatures this model's features that fell back to their defaults
     */
    public record Stage(
            String model,
            String version,
            float score,
            String label,
            boolean degraded,
            List<String> missingFeatures,
            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Float> probabilities) {}
}
