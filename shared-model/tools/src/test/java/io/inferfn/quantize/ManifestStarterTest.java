package io.inferfn.quantize;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.OutputKind;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TorchGraphs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `inferfn model init`: a starter manifest from the graph that loads, serves and publishes as written. */
class ManifestStarterTest {

    private static LoadedModel loadStarter(byte[] onnx, String name) throws Exception {
        Path dir = Files.createTempDirectory("init");
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        Files.write(
                dir.resolve(ModelRegistry.MANIFEST),
                ManifestStarter.manifest(onnx, name).toJson());
        return ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + dir);
    }

    @Test
    void anSklearnPipelineGetsOneInputPerColumnAndItsZipMapAsMulticlassWithTheConvertersLabels() throws Exception {
        ModelManifest m = ManifestStarter.manifest(ConverterGraphs.sklearnPipeline(), "tiers");
        assertThat(m.inputs())
                .extracting(
                        ModelManifest.InputSpec::name, ModelManifest.InputSpec::type, ModelManifest.InputSpec::shape)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("amount", "float32", List.of(-1L, 1L)),
                        org.assertj.core.groups.Tuple.tuple("country", "string", List.of(-1L, 1L)));
        assertThat(m.features())
                .extracting(f -> f.name() + ":" + f.type().json())
                .containsExactly("amount:number", "country:string");
        assertThat(m.output().tensor()).isEqualTo("output_probability");
        assertThat(m.output().outputKind()).isEqualTo(OutputKind.MULTICLASS);
        assertThat(m.output().labels()).containsExactlyElementsOf(ConverterGraphs.TIERS);
        try (LoadedModel model = loadStarter(ConverterGraphs.sklearnPipeline(), "tiers")) {
            Prediction p =
                    new Scorer(FeatureStore.EMPTY).score(model, Row.of(null, Map.of("amount", 20.0, "country", "DE")));
            assertThat(p.probabilities()).containsOnlyKeys(ConverterGraphs.TIERS);
        }
    }

    @Test
    void treeEnsemblesRegressorsSoftmaxAndEmbeddingsGetAManifestTheirSessionAccepts() throws Exception {
        try (LoadedModel tree = loadStarter(ConverterGraphs.treeClassifier(), "tree")) {
            // two classes: the probability of the second is a binary score
            assertThat(tree.manifest().output().tensor()).isEqualTo("probabilities");
            assertThat(tree.manifest().output().columnIndex()).isEqualTo(1);
            assertThat(tree.manifest().features())
                    .extracting(f -> f.name())
                    .containsExactly("input_0", "input_1", "input_2");
        }
        try (LoadedModel regressor = loadStarter(ConverterGraphs.treeRegressor(), "regressor")) {
            assertThat(regressor.manifest().output().outputKind()).isEqualTo(OutputKind.REGRESSION);
        }
        byte[] softmax = TorchGraphs.mlp(
                17, TorchGraphs.Linear.GEMM_TRANS_B, TorchGraphs.Head.NONE, "Relu", "Softmax", 1, 4, 6, 3);
        try (LoadedModel classes = loadStarter(softmax, "softmax")) {
            assertThat(classes.manifest().output().outputKind()).isEqualTo(OutputKind.MULTICLASS);
        }
        try (LoadedModel embedding = loadStarter(ConverterGraphs.embeddingModel(), "merchant")) {
            assertThat(embedding.manifest().inputs().get(0).feature()).isEqualTo("merchant_id");
            assertThat(embedding.manifest().inputs().get(0).type()).isEqualTo("int64");
            assertThat(embedding.manifest().output().outputKind()).isEqualTo(OutputKind.BINARY);
        }
    }

    @Test
    void theStarterIsPublishedAsItIs() throws Exception {
        Path dir = Files.createTempDirectory("init");
        byte[] onnx = ConverterGraphs.embeddingModel();
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        Files.write(
                dir.resolve(ModelRegistry.MANIFEST),
                ManifestStarter.manifest(onnx, "merchant").toJson());
        Path registry = Files.createTempDirectory("registry");
        ModelPublisher.Published published = ModelPublisher.publish(dir, "file:" + registry, "7", null);
        assertThat(published.directory()).isEqualTo(registry.resolve("merchant").resolve("7"));
        assertThat(published.manifest().inputs()).hasSize(2);
    }

    @Test
    void theQuantizerLeavesTreeEnsemblesAloneAndSaysWhy() {
        assertThatThrownBy(() -> Quantizer.quantize(ConverterGraphs.treeClassifier(), QuantizeOptions.DYNAMIC))
                .isInstanceOf(QuantizeException.class)
                .hasMessageContaining("nothing to quantize: TreeEnsembleClassifier_label (TreeEnsembleClassifier)")
                .hasMessageContaining("an ONNX-ML tree ensemble compares raw feature values with its split thresholds")
                .hasMessageContaining("publish the model as it is (fp32)");
    }
}
