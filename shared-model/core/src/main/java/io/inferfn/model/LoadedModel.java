package io.inferfn.model;

import io.inferfn.features.FeaturePlan;
import io.inferfn.scoring.ScoreDrift;

/**
 * A model ready to score: its verified manifest, its ONNX session and its compiled feature plan (null for a text
 * model, whose inputs come from its tokenizer: {@link OnnxModel#text()}).
 *
 * @param location where it was loaded from
 * @param modelBytes size of {@code model.onnx} in bytes
 * @param drift the live score histogram against the manifest's reference, or null when the
 *     manifest has none
 * @param chain the models scored before this one in each call, when features of it are other models'
 *     outputs ({@link ModelChain#link}); null for a model that reads no other model
 */
public record LoadedModel(
        String location,
        ModelManifest manifest,
        OnnxModel onnx,
        FeaturePlan plan,
        long modelBytes,
        LoadTimings timings,
        ScoreDrift drift,
        ModelChain chain)
        implements AutoCloseable {

    /** A model that reads no other model's output. */
    public LoadedModel(
            String location,
            ModelManifest manifest,
            OnnxModel onnx,
            FeaturePlan plan,
            long modelBytes,
            LoadTimings timings,
            ScoreDrift drift) {
        this(location, manifest, onnx, plan, modelBytes, timings, drift, null);
    }

    /** This model, scored after the stages of {@code chain}. */
    public LoadedModel withChain(ModelChain newChain) {
        return new LoadedModel(location, manifest, onnx, plan, modelBytes, timings, drift, newChain);
    }

    /**
     * The type of column {@code name} when a trusted source (a batch table or file) may supply it, else null: for
     * a model that reads other models, a column any of them takes.
     */
    public ModelManifest.FeatureType suppliedType(String name) {
        if (plan == null) {
            return null;
        }
        if (chain == null) {
            return plan.suppliedType(name);
        }
        for (LoadedModel stage : chain.stages()) {
            ModelManifest.FeatureType type = stage.plan().suppliedType(name);
            if (type != null) {
                return type;
            }
        }
        return null;
    }

    /** A text model's tokenizer and pooling ({@link OnnxModel#text()}); null for a tabular model. */
    public TextModel text() {
        return onnx.text();
    }

    /** Whether some feature is another model's output (the manifest declares a {@code model} feature). */
    public boolean readsModels() {
        for (FeatureSpec f : manifest.features()) {
            if (f instanceof FeatureSpec.Model) {
                return true;
            }
        }
        return false;
    }

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
