package io.inferfn.quantize;

/**
 * What the quantizer did with one node.
 *
 * @param node the node's name (or op and index when the graph leaves it unnamed)
 * @param op its op type
 * @param quantized whether its weights are now int8
 * @param detail how (mode, granularity, weight format, weight shape, bytes) or why not
 */
public record NodeReport(String node, String op, boolean quantized, String detail) {

    @Override
    public String toString() {
        return String.format("%-28s %-10s %s %s", node, op, quantized ? "int8 " : "fp32 ", detail);
    }
}
