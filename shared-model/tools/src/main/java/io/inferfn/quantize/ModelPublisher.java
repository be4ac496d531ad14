package io.inferfn.quantize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.Quantization;
import io.inferfn.model.ScoreReference;

/**
 * Publishes a model directory ({@code model.onnx} + {@code manifest.json}) into a registry as
 * {@code <registry>/<name>/<version>/}: the manifest gets the file's sha256 and the quantization
 * read from the graph, the result is loaded exactly as a function would load it before it becomes
 * visible, and a published version is never overwritten with different bytes. Given a reference
 * data set, the manifest also gets the {@link ScoreReference histogram of the scores} the model
 * gives it, which the functions measure their live scores' drift against.
 */
public final class ModelPublisher {

    private ModelPublisher() {}

    /** The outcome: where the model now lives and whether anything was written. */
    public record Published(Path directory, ModelManifest manifest, boolean unchanged) {}

    /**
     * @param registry {@code file:<dir>} (S3 joins with the model-registry module)
     * @param version the version to publish as, or null for the manifest's own
     */
    public static Published publish(Path modelDir, String registry, String version) {
        return publish(modelDir, registry, version, null);
    }

    /**
     * @param registry {@code file:<dir>} (S3 joins with the model-registry module)
     * @param version the version to publish as, or null for the manifest's own
     * @param reference a CSV of model input rows (as {@code model verify} reads) to score with the
     *     published model into the manifest's reference histogram, or null to keep the manifest's
     */
    public static Published publish(Path modelDir, String registry, String version, Path reference) {
        if (!registry.startsWith("file:")) {
            throw new QuantizeException("unsupported registry '" + registry + "'; expected file:<dir> (s3:// arrives"
                    + " with the model-registry module)");
        }
        Path root = Path.of(registry.substring("file:".length()));
        byte[] onnx = read(modelDir.resolve(ModelRegistry.MODEL));
        byte[] manifestBytes = read(modelDir.resolve(ModelRegistry.MANIFEST));
        ModelManifest source = ModelManifest.parse(
                manifestBytes, modelDir.resolve(ModelRegistry.MANIFEST).toString());
        Quantization quantization = ModelInspector.quantization(onnx);
        String sha = ModelRegistry.sha256(onnx);
        ModelManifest manifest = source.republished(version == null ? source.version() : version, quantization, sha);
        if (reference != null) {
            manifest = manifest.withReference(reference(onnx, manifest, reference));
        }
        Path target = root.resolve(manifest.name()).resolve(manifest.version());
        try {
            if (Files.exists(target.resolve(ModelRegistry.MANIFEST))) {
                ModelManifest existing = ModelManifest.parse(
                        Files.readAllBytes(target.resolve(ModelRegistry.MANIFEST)), target.toString());
                if (existing.sha256().equals(sha) && existing.equals(manifest)) {
                    return new Published(target, existing, true);
                }
                throw new QuantizeException(manifest.name() + " version " + manifest.version() + " is already published"
                        + " at " + target + " with sha256 " + existing.sha256() + "; publish as a new version"
                        + " (--version)");
            }
            Files.createDirectories(root.resolve(manifest.name()));
            Path staging = Files.createTempDirectory(root.resolve(manifest.name()), ".staging-");
            Files.write(staging.resolve(ModelRegistry.MODEL), onnx);
            Files.write(staging.resolve(ModelRegistry.MANIFEST), manifest.toJson());
            try (LoadedModel check = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + staging)) {
                // loaded and verified exactly as a function will load it
            } catch (ModelLoadException e) {
                deleteQuietly(staging);
                throw new QuantizeException(
                        "not published: the model would not load in a function: " + e.getMessage(), e);
            }
            readableByAll(staging);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            return new Published(target, manifest, false);
        } catch (IOException e) {
            throw new QuantizeException("cannot publish to " + target + ": " + e.getMessage(), e);
        }
    }

    private static ScoreReference reference(byte[] onnx, ModelManifest manifest, Path data) {
        float[] scores = ModelVerifier.score(
                onnx, Dataset.readCsv(data), manifest.output().columnIndex());
        try {
            return ScoreReference.of(scores, ScoreReference.DEFAULT_BINS);
        } catch (IllegalArgumentException e) {
            throw new QuantizeException("no reference histogram from " + data + ": " + e.getMessage(), e);
        }
    }

    /** Temp directories are private (0700); a registry directory is read by the functions' user. */
    private static void readableByAll(Path dir) throws IOException {
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new QuantizeException(file + " not found; a model directory holds model.onnx and manifest.json");
        } catch (IOException e) {
            throw new QuantizeException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // best effort: a stale .staging- directory is harmless
        }
    }
}
