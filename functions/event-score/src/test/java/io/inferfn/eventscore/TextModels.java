package io.inferfn.eventscore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.inferfn.model.ModelRegistry;
import io.inferfn.models.MiniLmModelGenerator;
import io.inferfn.testing.TorchGraphs;

/** The text models the text-message tests score with, written under {@code target/}. */
final class TextModels {

    private TextModels() {}

    /**
     * The fp32 all-MiniLM-L6-v2 demo model ({@code minilm} 1), generated from its Maven artifact when missing. fp32:
     * the int8 demo model quantizes its activations per call, so a text's embedding moves a little with the other
     * texts of its call, and a poll's texts are not the direct call's.
     */
    static Path minilm() {
        try {
            return MiniLmModelGenerator.write(Path.of("target/minilm").toAbsolutePath(), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String CLASSIFIER =
            """
            {"name": "topic", "version": "1", "sha256": "%s", "quantization": "fp32",
             "output": {"kind": "multiclass", "tensor": "logits", "labels": ["sports", "politics", "science"]%s},
             "text": {"tokenizer": "tokenizer.json", "tokenizerSha256": "%s", "maxLength": %d, "truncation": %s}}""";

    /**
     * A small text classifier (word embeddings averaged, a linear head: {@link TorchGraphs#textClassifier}) over the
     * MiniLM tokenizer, classes sports, politics, science, at most {@code maxLength} tokens per text.
     */
    static Path classifier(String name, int maxLength, boolean truncation) {
        return classifier(name, maxLength, truncation, null);
    }

    /** @param classThresholds the manifest's {@code output.classThresholds} as JSON, or null for none */
    static Path classifier(String name, int maxLength, boolean truncation, String classThresholds) {
        try {
            Path dir = Path.of("target/text-models", name).toAbsolutePath();
            Files.createDirectories(dir);
            byte[] onnx = TorchGraphs.textClassifier(30522, 8, 3, 7);
            byte[] tokenizer = Files.readAllBytes(minilm().resolve(MiniLmModelGenerator.TOKENIZER));
            Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
            Files.write(dir.resolve(MiniLmModelGenerator.TOKENIZER), tokenizer);
            Files.writeString(
                    dir.resolve(ModelRegistry.MANIFEST),
                    CLASSIFIER.formatted(
                            ModelRegistry.sha256(onnx),
                            classThresholds == null ? "" : ", \"classThresholds\": " + classThresholds,
                            ModelRegistry.sha256(tokenizer),
                            maxLength,
                            truncation));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
