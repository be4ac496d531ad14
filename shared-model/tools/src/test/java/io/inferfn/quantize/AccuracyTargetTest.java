package io.inferfn.quantize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import io.inferfn.testing.TorchGraphs;
import io.inferfn.testing.TorchGraphs.Head;
import io.inferfn.testing.TorchGraphs.Linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code quantize --target}: the fastest scheme that keeps the gate, else the sensitive nodes kept fp32. */
class AccuracyTargetTest {

    private static final Dataset ROWS = new Dataset(TorchGraphs.randomRows(400, 16, 11), null);

    /**
     * A 16-64-64-1 MLP whose first hidden neuron is dead (weights 0, bias -1: ReLU always 0) and whose
     * middle layer reads it with weights 300x the rest. In fp32 they add nothing; in int8 they set
     * every output channel's scale, and the layer's real weights round to a few levels.
     */
    static byte[] mlpWithOutliers() throws Exception {
        byte[] onnx = TorchGraphs.mlp(13, Linear.MATMUL_ADD, Head.NONE, "Relu", "Sigmoid", 5, 16, 64, 64, 1);
        ModelProto model = ModelProto.parseFrom(onnx);
        GraphProto.Builder graph = model.getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            float[] w = Tensors.floats(t);
            switch (t.getName()) {
                case "fc0.weight" -> { // [16, 64]: neuron 0 gets no input
                    for (int r = 0; r < 16; r++) {
                        w[r * 64] = 0;
                    }
                }
                case "fc0.bias" -> w[0] = -1;
                case "fc1.weight" -> { // [64, 64]: row 0 reads the dead neuron
                    for (int c = 0; c < 64; c++) {
                        w[c] = c % 2 == 0 ? 50 : -50;
                    }
                }
                default -> {
                    continue;
                }
            }
            ByteBuffer raw = ByteBuffer.allocate(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().put(w);
            graph.setInitializer(i, t.toBuilder().clearFloatData().setRawData(ByteString.copyFrom(raw.array())));
        }
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    private static double maxAbsDiff(byte[] fp32, QuantizeOptions options) {
        return ModelVerifier.verify(fp32, Quantizer.quantize(fp32, options).model(), ROWS, -1, new int[0])
                .maxAbsDiff();
    }

    private static String middleLayer(byte[] fp32) {
        List<String> matmuls = new ArrayList<>();
        for (NodeReport n : Quantizer.quantize(fp32, QuantizeOptions.DYNAMIC).nodes()) {
            if (n.op().equals("MatMul")) {
                matmuls.add(n.node());
            }
        }
        assertThat(matmuls).hasSize(3);
        return matmuls.get(1);
    }

    @Test
    void aGateTheDefaultSchemeKeepsIsMetWithoutKeepingAnyNode() throws Exception {
        byte[] fp32 = TorchGraphs.mlp(13, Linear.MATMUL_ADD, Head.NONE, "Relu", "Sigmoid", 5, 16, 64, 64, 1);
        double all = maxAbsDiff(fp32, QuantizeOptions.DYNAMIC);
        ModelVerifier.Gate gate = new ModelVerifier.Gate(all * 4, Double.NaN, Double.NaN);
        AccuracyTarget.Outcome outcome = AccuracyTarget.quantize(fp32, ROWS, gate, QuantizeOptions.DYNAMIC, line -> {});
        assertThat(outcome.kept()).isEmpty();
        assertThat(outcome.ranked()).isEmpty();
        assertThat(outcome.report().failures(gate)).isEmpty();
        assertThat(outcome.trials()).hasSize(4);
        // the winner is the fastest of those that passed
        AccuracyTarget.Trial chosen = outcome.trials().stream()
                .filter(t -> t.scheme().equals(outcome.options().describe()))
                .findFirst()
                .orElseThrow();
        assertThat(outcome.trials().stream().filter(AccuracyTarget.Trial::passed))
                .allSatisfy(t -> assertThat(chosen.micros()).isLessThanOrEqualTo(t.micros()));
        assertThat(outcome.render()).contains("chose " + outcome.options().describe());
    }

    @Test
    void whenNoSchemePassesTheMostSensitiveNodeIsKeptFp32AndTheReportSaysWhatItCost() throws Exception {
        byte[] fp32 = mlpWithOutliers();
        String middle = middleLayer(fp32);
        double all = Double.MAX_VALUE;
        for (QuantizeOptions scheme : AccuracyTarget.schemes(QuantizeOptions.DYNAMIC)) {
            all = Math.min(all, maxAbsDiff(fp32, scheme));
        }
        double keepingMiddle = maxAbsDiff(fp32, QuantizeOptions.DYNAMIC.keeping(Set.of(middle)));
        assertThat(keepingMiddle).as("the outliers are what int8 loses").isLessThan(all / 4);
        ModelVerifier.Gate gate = new ModelVerifier.Gate(Math.sqrt(all * keepingMiddle), Double.NaN, Double.NaN);

        List<String> progress = new ArrayList<>();
        AccuracyTarget.Outcome outcome =
                AccuracyTarget.quantize(fp32, ROWS, gate, QuantizeOptions.DYNAMIC, progress::add);

        assertThat(outcome.trials()).noneMatch(AccuracyTarget.Trial::passed);
        assertThat(outcome.ranked().get(0).node()).isEqualTo(middle);
        assertThat(outcome.kept()).containsExactly(middle);
        assertThat(outcome.report().failures(gate)).isEmpty();
        assertThat(outcome.result().nodes())
                .filteredOn(n -> n.node().equals(middle))
                .singleElement()
                .satisfies(n -> assertThat(n.detail()).isEqualTo(Quantizer.KEPT));
        assertThat((long) outcome.result().model().length).isGreaterThan(outcome.bytesAllQuantized());
        assertThat(outcome.render())
                .contains("no scheme passes")
                .contains("kept 1 node(s) fp32: " + middle)
                .contains("instead of");
        assertThat(progress).anyMatch(l -> l.startsWith("measured 3 of 3 nodes alone"));
    }

    @Test
    void aGateNothingButFp32MeetsIsRefused() throws Exception {
        byte[] fp32 = mlpWithOutliers();
        ModelVerifier.Gate impossible = new ModelVerifier.Gate(0, Double.NaN, Double.NaN);
        assertThatThrownBy(() -> AccuracyTarget.quantize(fp32, ROWS, impossible, QuantizeOptions.DYNAMIC, l -> {}))
                .isInstanceOf(QuantizeException.class)
                .hasMessageContaining("is not met by any scheme")
                .hasMessageContaining("publish this model fp32");
    }
}
