package io.inferfn.batch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterCases;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** A file run through {@link BatchRunner}: what a trusted source may carry, and rows the model cannot score. */
class BatchRunnerTest {

    /** {@code a} from the row; {@code b} an online feature the store supplies to callers' requests. */
    static final String MANIFEST =
            """
            {"name": "tiny-batch", "version": "1", "sha256": "$SHA", "quantization": "fp32",
             "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
             "features": [{"name": "a", "source": "request"},
                          {"name": "b", "source": "store", "key": "s:{entityId}", "field": "b", "default": 0}],
             "output": {"tensor": "y", "thresholds": [0.5], "labels": ["low", "high"]}}""";

    static final BatchOptions OPTIONS = new BatchOptions("id", 64, 100, Duration.ofMinutes(1), 10, Duration.ZERO);

    @TempDir
    Path dir;

    @Test
    void aSourceMayCarryStoreFeaturesAndTheirValuesAreUsed() throws Exception {
        // y = sigmoid(a - b)
        byte[] onnx = TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f);
        List<String> out = run(onnx, "id,a,b\ns-1,1.0,3.0\ns-2,1.0,\n");
        assertThat(out).hasSize(3);
        String[] carried = out.get(1).split(",");
        assertThat(carried[1]).isEqualTo("s-1");
        // sigmoid(1 - 3), not sigmoid(1 - 0) with the store's default for b
        assertThat(Float.parseFloat(carried[4])).isCloseTo((float) (1 / (1 + Math.exp(2))), within(1e-6f));
        assertThat(carried[6]).isEqualTo("false"); // b came with the row: not degraded, nothing missing
        String fetched = out.get(2);
        assertThat(fetched).startsWith("run-1,s-2,").contains(",true,b,"); // no b: the (empty) store, degraded
        assertThat(Files.readAllLines(dir.resolve("out.rejects.csv"))).hasSize(1);
    }

    @Test
    void aRowTheModelScoresNanIsRejectedWithTheReasonAndTheOthersAreWritten() throws Exception {
        // y = sqrt(a - b): NaN for s-1
        byte[] onnx = TinyModels.sqrtOfLinear("x", "y", new float[] {1f, -1f}, 0f);
        List<String> out = run(onnx, "id,a,b\ns-1,1.0,3.0\ns-2,4.0,0\n");
        assertThat(out).hasSize(2);
        assertThat(out.get(1)).startsWith("run-1,s-2,tiny-batch,1,2.0,high,false,");
        List<String> rejects = Files.readAllLines(dir.resolve("out.rejects.csv"));
        assertThat(rejects).hasSize(2);
        assertThat(rejects.get(1))
                .startsWith("run-1,s-1,\"model tiny-batch 1 returned NaN for this row, which is not a score; no"
                        + " prediction or label is given\"");
    }

    @Test
    void rowsFillEveryInputOfAModelWithAnInt64IdAndAStringCategorical() throws Exception {
        String merchant =
                """
                {"name": "merchant", "version": "1", "sha256": "$SHA", "quantization": "fp32",
                 "inputs": [{"name": "merchant_id", "type": "int64", "shape": [-1], "feature": "merchant"},
                            {"name": "numeric", "type": "float32", "shape": [-1, 2], "features": ["amount", "hour"]}],
                 "features": [{"name": "merchant", "source": "request"}, {"name": "amount", "source": "request"},
                              {"name": "hour", "source": "request", "default": 12}],
                 "output": {"tensor": "score", "thresholds": [0.5], "labels": ["low", "high"]}}""";
        List<String> out = run(ConverterGraphs.embeddingModel(), merchant, "id,merchant,amount\nm-1,3,7\nm-2,2.5,1\n");
        assertThat(out).hasSize(2);
        assertThat(out.get(1)).startsWith("run-1,m-1,merchant,1,");
        assertThat(Files.readAllLines(dir.resolve("out.rejects.csv")).get(1))
                .startsWith(
                        "run-1,m-2,\"feature 'merchant' is 2.5; model input 'merchant_id' takes whole numbers (int64)\"");
        String tiers =
                """
                {"name": "tiers", "version": "1", "sha256": "$SHA", "quantization": "fp32",
                 "inputs": [{"name": "amount", "type": "float32", "shape": [-1, 1], "features": ["amount"]},
                            {"name": "country", "type": "string", "shape": [-1, 1], "feature": "country"}],
                 "features": [{"name": "amount", "source": "request"},
                              {"name": "country", "source": "request", "type": "string", "default": "US"}],
                 "output": {"kind": "multiclass", "tensor": "output_probability"}}""";
        List<String> scored = run(ConverterGraphs.sklearnPipeline(), tiers, "id,amount,country\nt-1,75.5,FR\nt-2,3,\n");
        assertThat(scored).hasSize(3);
        for (String line : scored.subList(1, 3)) {
            assertThat(line.split(",")[5]).isIn(ConverterGraphs.TIERS);
        }
    }

    @Test
    void everyConverterShapeWritesWhatOnnxRuntimeGivesTheRowsTensors() throws Exception {
        for (ConverterCases.Case c : ConverterCases.all()) {
            List<String> out = run(c.onnx(), c.manifest(), ConverterCases.csv(c));
            assertThat(out).as(c.name()).hasSize(c.rows().size() + 1);
            if (c.expected().get(0).probabilities() != null) {
                assertThat(out.get(0))
                        .endsWith(",scored_at,prob_"
                                + String.join(
                                        ",prob_",
                                        c.expected().get(0).probabilities().keySet()));
            }
            for (int r = 0; r < c.rows().size(); r++) {
                String[] f = out.get(r + 1).split(",", -1);
                ConverterCases.Expected e = c.expected().get(r);
                assertThat(f[1]).isEqualTo(c.name() + "-" + r);
                assertThat(Float.floatToIntBits(Float.parseFloat(f[4])))
                        .as(c.name() + " row " + r)
                        .isEqualTo(Float.floatToIntBits(e.score()));
                assertThat(f[5]).as(c.name()).isEqualTo(e.label() == null ? "" : e.label());
                if (e.probabilities() != null) {
                    int k = 9;
                    for (float p : e.probabilities().values()) {
                        assertThat(Float.parseFloat(f[k++])).as(c.name()).isEqualTo(p);
                    }
                } else {
                    assertThat(f).hasSize(9);
                }
            }
        }
    }

    @Test
    void anIcebergSinkInABuildWithoutIcebergIsRefusedSayingWhereItIs() throws Exception {
        Path source = dir.resolve("in.csv");
        Files.writeString(source, "id,a,b\ns-1,1.0,3.0\n");
        try (LoadedModel model = ModelRegistry.local(OnnxOptions.DEFAULTS)
                .load("file:"
                        + TinyModels.publish(TinyModels.logistic("x", "y", new float[] {1f, -1f}, 0f), MANIFEST))) {
            BatchRunner runner = new BatchRunner(new Scorer(FeatureStore.EMPTY), null, OPTIONS);
            assertThatThrownBy(() -> runner.run(model, new RunSpec("run-1", 0, 1, "file:" + source, "iceberg:gold.p")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("sink iceberg:gold.p: this build has no Iceberg support")
                    .hasMessageContaining("the container build");
        }
    }

    private List<String> run(byte[] onnx, String csv) throws Exception {
        return run(onnx, MANIFEST, csv);
    }

    private List<String> run(byte[] onnx, String manifest, String csv) throws Exception {
        Path source = dir.resolve("in.csv");
        Files.writeString(source, csv);
        try (LoadedModel model =
                ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + TinyModels.publish(onnx, manifest))) {
            new BatchRunner(new Scorer(FeatureStore.EMPTY), null, OPTIONS)
                    .run(model, new RunSpec("run-1", 0, 1, "file:" + source, "file:" + dir.resolve("out.csv")));
        }
        return Files.readAllLines(dir.resolve("out.csv"));
    }
}
