package io.inferfn.model;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;

import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelRegistryTest {

    static final String MANIFEST =
            """
            {"name": "tiny", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"}],
             "output": {"tensor": "y"}}""";

    final ModelRegistry registry = ModelRegistry.local(OnnxOptions.DEFAULTS);
    final byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f);

    @Test
    void loadsAVerifiedModelFromADirectory() throws Exception {
        Path dir = TinyModels.publish(onnx, MANIFEST);
        try (LoadedModel model = registry.load("file:" + dir)) {
            assertThat(model.name()).isEqualTo("tiny");
            assertThat(model.plan().width()).isEqualTo(2);
            assertThat(model.modelBytes()).isEqualTo(onnx.length);
        }
    }

    @Test
    void loadsFromTheClasspath() throws Exception {
        Path root = Files.createTempDirectory("cp");
        Path dir = TinyModels.publish(onnx, MANIFEST);
        Files.createDirectories(root.resolve("models/tiny"));
        Files.copy(dir.resolve("model.onnx"), root.resolve("models/tiny/model.onnx"));
        Files.copy(dir.resolve("manifest.json"), root.resolve("models/tiny/manifest.json"));
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, previous)) {
            Thread.currentThread().setContextClassLoader(loader);
            try (LoadedModel model = registry.load("classpath:models/tiny")) {
                assertThat(model.version()).isEqualTo("1");
            }
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Test
    void aTamperedModelFailsTheIntegrityCheckBeforeOnnxRuntimeSeesIt() throws Exception {
        Path dir = TinyModels.publish(onnx, MANIFEST);
        byte[] tampered = onnx.clone();
        tampered[tampered.length - 1] ^= 1;
        Files.write(dir.resolve("model.onnx"), tampered);
        String expected = ModelRegistry.sha256(onnx);
        String actual = ModelRegistry.sha256(tampered);
        assertThatThrownBy(() -> registry.load("file:" + dir))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining(dir.resolve("model.onnx").toString())
                .hasMessageContaining("sha256 is " + actual)
                .hasMessageContaining("expects " + expected);
    }

    @Test
    void aPinnedSha256RefusesAModelSwappedTogetherWithItsManifest() throws Exception {
        Path dir = TinyModels.publish(onnx, MANIFEST);
        String pinned = ModelRegistry.sha256(onnx);
        try (LoadedModel model = registry.load("file:" + dir + "#sha256=" + pinned.toUpperCase())) {
            assertThat(model.name()).isEqualTo("tiny");
        }
        // whoever can write the registry replaces both files: the manifest vouches for the new model
        byte[] swapped = TinyModels.logistic("x", "y", new float[] {-1f, 1f}, 0f);
        Path other = TinyModels.publish(swapped, MANIFEST);
        Files.copy(other.resolve("model.onnx"), dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(other.resolve("manifest.json"), dir.resolve("manifest.json"), StandardCopyOption.REPLACE_EXISTING);
        try (LoadedModel unpinned = registry.load("file:" + dir)) {
            assertThat(unpinned.name()).isEqualTo("tiny"); // without a pin the swap goes unnoticed
        }
        assertThatThrownBy(() -> registry.load("file:" + dir + "#sha256=" + pinned))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining(dir.resolve("model.onnx").toString())
                .hasMessageContaining("sha256 is " + ModelRegistry.sha256(swapped))
                .hasMessageContaining("the deployment pins " + pinned);
    }

    @Test
    void malformedPinsAreRefusedWithWhatIsExpected() throws Exception {
        Path dir = TinyModels.publish(onnx, MANIFEST);
        assertThatThrownBy(() -> registry.load("file:" + dir + "#sha256=abc"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("expected the 64 hex digits");
        assertThatThrownBy(() -> registry.load("file:" + dir + "#md5=abc"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("unknown pin 'md5=abc'");
        assertThatThrownBy(() -> registry.load("file:" + dir + "#version=3"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("keeps no object versions");
    }

    @Test
    void aManifestThatDisagreesWithTheSessionMetadataFailsTheLoad() throws Exception {
        assertThatThrownBy(
                        () -> registry.load("file:" + TinyModels.publish(onnx, MANIFEST.replace("\"x\"", "\"input\""))))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("expected exactly one input named 'input'; the model has inputs [x]");
        assertThatThrownBy(() -> registry.load("file:"
                        + TinyModels.publish(onnx, MANIFEST.replace("{\"tensor\": \"y\"}", "{\"tensor\": \"p\"}"))))
                .hasMessageContaining("output tensor 'p' does not exist; the model has [y]");
        String threeColumns = MANIFEST.replace("[-1, 2]", "[-1, 3]")
                .replace("\"features\": [\"a\", \"b\"]", "\"features\": [\"a\", \"b\", \"c\"]")
                .replace(
                        "{\"name\": \"b\", \"source\": \"request\"}",
                        "{\"name\": \"b\", \"source\": \"request\"}, {\"name\": \"c\", \"source\": \"request\"}");
        assertThatThrownBy(() -> registry.load("file:" + TinyModels.publish(onnx, threeColumns)))
                .hasMessageContaining("input 'x' has 2 columns; the manifest's features fill 3");
        assertThatThrownBy(() -> registry.load("file:"
                        + TinyModels.publish(
                                onnx, MANIFEST.replace("{\"tensor\": \"y\"}", "{\"tensor\": \"y\", \"column\": 1}"))))
                .hasMessageContaining("output column 1 does not exist; 'y' has 1 column(s)");
    }

    @Test
    void garbageBytesAreRefusedByOnnxRuntimeWithTheFileName() throws Exception {
        byte[] garbage = "not an onnx model".getBytes();
        Path dir = TinyModels.publish(garbage, MANIFEST);
        assertThatThrownBy(() -> registry.load("file:" + dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("ONNX Runtime cannot load file:" + dir.resolve("model.onnx"));
    }

    @Test
    void missingFilesAndUnknownSchemesSayWhatIsExpected() throws Exception {
        Path empty = Files.createTempDirectory("empty");
        assertThatThrownBy(() -> registry.load("file:" + empty))
                .hasMessageContaining("manifest.json not found in " + empty)
                .hasMessageContaining("holds manifest.json and model.onnx");
        assertThatThrownBy(() -> registry.load("gs://bucket/fraud/1"))
                .hasMessageContaining(
                        "unsupported model location 'gs://bucket/fraud/1'; expected file:<dir> or classpath:<dir>");
        // the core alone has no S3 client: the message names the module that brings it
        assertThatThrownBy(() -> ModelRegistry.standard(OnnxOptions.DEFAULTS, key -> java.util.Optional.empty())
                        .load("s3://bucket/fraud/1/"))
                .hasMessageContaining("s3:// locations need the inferfn-s3 module on the function's classpath");
    }
}
