package io.inferfn.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * ORT's CUDA execution provider, asked for on a host without it (this one: the CPU build of ONNX Runtime, no GPU):
 * the model loads on the CPU, scores as it would there, and says why CUDA was not used.
 */
class ExecutionProviderTest {

    static final String MANIFEST =
            """
            {"name": "tiny", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"}, {"name": "b", "source": "request"}],
             "output": {"tensor": "y"}}""";

    @Test
    void cudaWhereItIsMissingFallsBackToTheCpuAndSaysWhy() throws Exception {
        Path dir = TinyModels.publish(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), MANIFEST);
        List<Row> rows = List.of(Row.of(null, Map.of("a", 2.0, "b", 0.5)));
        try (LoadedModel cpu = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + dir);
                LoadedModel cuda = ModelRegistry.local(new OnnxOptions(1, false, "all", "cuda"))
                        .load("file:" + dir)) {
            assertThat(cpu.onnx().executionProvider()).isEqualTo("CPU");
            assertThat(cuda.onnx().executionProvider()).startsWith("CPU (CUDA device 0 requested; unavailable: ");
            Scorer scorer = new Scorer(FeatureStore.EMPTY);
            Prediction onCpu = scorer.scoreBatch(cpu, rows).get(0);
            Prediction fellBack = scorer.scoreBatch(cuda, rows).get(0);
            assertThat(fellBack.score()).isEqualTo(onCpu.score());
            assertThat(onCpu.score()).isCloseTo((float) (1 / (1 + Math.exp(-1.5))), within(1e-6f));
        }
    }

    @Test
    void aMisspeltProviderIsRefusedNamingWhatIsTaken() {
        assertThatThrownBy(() -> new OnnxOptions(1, false, "all", "gpu"))
                .hasMessage("execution provider must be cpu, cuda or cuda:<device number>; got 'gpu'");
        assertThat(new OnnxOptions(1, false, "all", "cuda:1").executionProvider())
                .isEqualTo("cuda:1");
    }

    @Test
    void theManifestChoosesPerModelOverTheFunctionsSetting() throws Exception {
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f);
        Path wantsGpu = TinyModels.publish(
                onnx,
                MANIFEST.replace(
                        "\"quantization\": \"fp32\",",
                        "\"quantization\": \"fp32\", \"executionProvider\": \"cuda:1\","));
        Path staysOnCpu = TinyModels.publish(
                onnx,
                MANIFEST.replace(
                        "\"quantization\": \"fp32\",", "\"quantization\": \"fp32\", \"executionProvider\": \"cpu\","));
        try (LoadedModel gpu = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + wantsGpu);
                LoadedModel cpu = ModelRegistry.local(new OnnxOptions(1, false, "all", "cuda"))
                        .load("file:" + staysOnCpu)) {
            // the transformer asks for device 1 in a function whose setting is the CPU: it tries CUDA (absent here)
            assertThat(gpu.manifest().executionProvider()).isEqualTo("cuda:1");
            assertThat(gpu.onnx().executionProvider()).startsWith("CPU (CUDA device 1 requested; unavailable: ");
            // a tabular model pinned to the CPU in a GPU container does not even try CUDA
            assertThat(cpu.onnx().executionProvider()).isEqualTo("CPU");
        }
    }

    @Test
    void aManifestWithAnUnknownProviderFailsTheLoadNamingTheChoices() {
        byte[] json = MANIFEST.replace("$SHA", "0".repeat(64))
                .replace("\"quantization\": \"fp32\",", "\"quantization\": \"fp32\", \"executionProvider\": \"gpu\",")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelManifest.parse(json, "tiny/manifest.json"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("manifest tiny/manifest.json: 'executionProvider' must be cpu, cuda or cuda:<device number>"
                        + " (ONNX Runtime's CUDA execution provider); got 'gpu'");
    }
}
