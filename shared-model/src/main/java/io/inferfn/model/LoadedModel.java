package io.inferfn.model;

import io.inferfn.features.FeaturePlan;

/**
 * A model ready to score: its verified manifest, its ONNX session and its compiled feature plan.
 *
 * @param location where it was loaded from
 * @param modelBytes size of {@code model.onnx} in bytes
 */
public record LoadedModel(String location, ModelManifest manifest, OnnxModel onnx, FeaturePlan plan, long modelBytes)
        implements AutoCloseable {

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
