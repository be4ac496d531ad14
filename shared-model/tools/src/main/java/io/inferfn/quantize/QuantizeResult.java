package io.inferfn.quantize;

import java.util.List;

/**
 * A quantized model, already loaded once by ONNX Runtime, and the per-node report.
 *
 * @param model the int8 ONNX bytes
 * @param nodes one entry per node of the input graph
 * @param weights how the quantized weights are stored (the scheme ONNX Runtime's kernels run)
 * @param weightBytesBefore bytes of the float weights that were quantized
 * @param weightBytesAfter bytes of their int8 replacements with scales and zero points
 */
public record QuantizeResult(
        byte[] model,
        List<NodeReport> nodes,
        QuantizeOptions.WeightFormat weights,
        long weightBytesBefore,
        long weightBytesAfter) {

    /** How many times smaller the quantized weights are. */
    public double weightRatio() {
        return weightBytesAfter == 0 ? 0 : (double) weightBytesBefore / weightBytesAfter;
    }

    public long quantizedNodes() {
        return nodes.stream().filter(NodeReport::quantized).count();
    }
}
