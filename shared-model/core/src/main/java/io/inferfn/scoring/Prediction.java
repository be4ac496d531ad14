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
 */
public record Prediction(
        String entityId,
        float score,
        String label,
        boolean degraded,
        List<String> missingFeatures,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Float> probabilities) {

    /** A binary or regression prediction (no class probabilities). */
    public Prediction(String entityId, float score, String label, boolean degraded, List<String> missingFeatures) {
        this(entityId, score, label, degraded, missingFeatures, null);
    }
}
