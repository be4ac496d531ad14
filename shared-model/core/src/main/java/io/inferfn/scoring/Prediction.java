package io.inferfn.scoring;

import java.util.List;

/**
 * The outcome of scoring one row.
 *
 * @param entityId the row's entity id, echoed
 * @param score the model's score (the configured output column)
 * @param label the manifest's label for the score, or null when the manifest defines no thresholds
 * @param degraded true when a feature the model needs was missing (store down, slow, or no value)
 *     and its default was used instead
 * @param missingFeatures the features that fell back to their defaults, in manifest order
 */
public record Prediction(String entityId, float score, String label, boolean degraded, List<String> missingFeatures) {}
