package io.inferfn.spark;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.inferfn.model.IntegrityException;
import io.inferfn.model.ModelRegistry;
import io.inferfn.testing.ConverterGraphs;
import io.inferfn.testing.TinyModels;

import static io.inferfn.spark.SparkStack.SPARK;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job scores with the model the driver read and verified, or not at all. */
class ModelIntegrityTest {

    @Test
    void aModelWhoseBytesDoNotMatchItsManifestIsRefusedBeforeAnyRowIsRead() throws Exception {
        Path dir = TinyModels.publish(ConverterGraphs.sklearnPipeline(), SameScoresAsBatchScoreTest.TIERS);
        byte[] onnx = Files.readAllBytes(dir.resolve("model.onnx"));
        onnx[onnx.length - 1] ^= 1;
        Files.write(dir.resolve("model.onnx"), onnx);

        assertThatThrownBy(() -> SparkScore.run(
                        SPARK,
                        SparkStack.args(
                                dir.toString(),
                                "parquet:/nonexistent",
                                "parquet:/tmp/never-written",
                                "r-1",
                                "id",
                                null)))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("manifest.json expects");
    }

    @Test
    void aModelOtherThanThePinnedOneIsRefused() throws Exception {
        Path dir = TinyModels.publish(ConverterGraphs.sklearnPipeline(), SameScoresAsBatchScoreTest.TIERS);

        assertThatThrownBy(() -> ModelShipment.read(
                        "file:" + dir + "#sha256=" + "0".repeat(64), key -> java.util.Optional.empty()))
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("but --model pins " + "0".repeat(64));
    }

    @Test
    void anExecutorRefusesModelBytesOtherThanTheDriverRead() throws Exception {
        Path dir = TinyModels.publish(ConverterGraphs.sklearnPipeline(), SameScoresAsBatchScoreTest.TIERS);
        ModelShipment read = ModelShipment.read(dir.toString(), key -> java.util.Optional.empty());
        byte[] altered = read.onnx().clone();
        altered[altered.length - 1] ^= 1;
        ModelShipment received = new ModelShipment(read.location(), read.manifest(), altered, read.sha256());

        assertThatThrownBy(received::load)
                .isInstanceOf(IntegrityException.class)
                .hasMessageContaining("as shipped to this executor")
                .hasMessageContaining("the driver read " + ModelRegistry.sha256(read.onnx()));
    }
}
