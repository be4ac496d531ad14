package io.inferfn.model;

import io.inferfn.features.FeaturePlan;
import io.inferfn.scoring.ScoreDrift;

/**
 * A model ready to score: its verified manifest, its ONNX session and its compiled feature plan.
 *
 * @param location where it was loaded from
 * @param modelBytes size of {@code model.onnx} in bytes
 * @param drift the live score histogram against the manifest's reference, or null when the
 *     manifest has none
 */
public record LoadedModel(
        String location,
        ModelManifest manifest,
        OnnxModel onnx,
        FeaturePlan plan,
        long modelBytes,
        LoadTimings timings,
        ScoreDrift drift)
        implements AutoCloseable {

    /**
     * Where a cold start's model load goes, in milliseconds.
     *
     * @param manifestMillis reading and validating manifest.json
     * @param readAndHashMillis reading model.onnx and checking its sha256
     * @param sessionMillis creating the ONNX Runtime session and checking its metadata
     */
    public record LoadTimings(double manifestMillis, double readAndHashMillis, double sessionMillis) {

        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "manifest %.1f ms, read + sha256 %.1f ms, ORT session %.1f ms",
                    manifestMillis,
                    readAndHashMillis,
                    sessionMillis);
        }
    }

    public String name() {
        return manifest.name();
    }

    public String version() {
        return manifest.version();
    }

    @Override
    public void close() {
        onnx.close();
    }
}
