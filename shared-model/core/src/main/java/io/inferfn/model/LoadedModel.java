package io.inferfn.model;

import io.inferfn.features.FeaturePlan;

/**
 * A model ready to score: its verified manifest, its ONNX session and its compiled feature plan.
 *
 * @param location where it was loaded from
 * @param modelBytes size of {@code model.onnx} in bytes
 */
public record LoadedModel(
        String location, ModelManifest manifest, OnnxModel onnx, FeaturePlan plan, long modelBytes, LoadTimings timings)
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
