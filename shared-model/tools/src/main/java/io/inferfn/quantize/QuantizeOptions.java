package io.inferfn.quantize;

import java.util.Set;

/**
 * How to quantize.
 *
 * @param mode {@code DYNAMIC}: int8 weights, activations quantized at run time; {@code STATIC}:
 *     QDQ with activation ranges calibrated on {@code calibration}
 * @param perChannel one weight scale per output channel instead of one per tensor
 * @param calibration rows of the model's input for static mode (null for dynamic)
 * @param method how activation ranges are taken from calibration: min/max or percentile
 * @param percentile for {@code PERCENTILE}: the share of values kept, e.g. 99.99
 * @param weights how the 8-bit weights are stored; null means {@link WeightFormat#U8U8}
 * @param embeddings whether {@code Gather} lookups from constant tables (embeddings) are quantized
 *     too, weight-only with a scale per row
 * @param keepFp32 nodes (as the report names them) left fp32 whatever else this says: what
 *     {@code --target} keeps when the gate is not met otherwise
 */
public record QuantizeOptions(
        Mode mode,
        boolean perChannel,
        float[][] calibration,
        Calibration method,
        double percentile,
        WeightFormat weights,
        boolean embeddings,
        Set<String> keepFp32) {

    /**
     * The default: dynamic, per-channel, U8U8, embedding tables int8. Chosen by measurement (the README's
     * quantization section): per-channel passed the verify gate on all three tabular demo models where
     * per-tensor failed churn's (max |Δ| 0.031 > 0.03), and on all-MiniLM-L6-v2 it keeps mean cosine to
     * fp32 at 0.989 where per-tensor falls to 0.932, for the same size.
     */
    public static final QuantizeOptions DYNAMIC = new QuantizeOptions(Mode.DYNAMIC, true, null, null, 0);

    /** With the default weight format, {@link WeightFormat#U8U8}. */
    public QuantizeOptions(
            Mode mode, boolean perChannel, float[][] calibration, Calibration method, double percentile) {
        this(mode, perChannel, calibration, method, percentile, WeightFormat.U8U8, true, Set.of());
    }

    /** Embedding tables quantized. */
    public QuantizeOptions(
            Mode mode,
            boolean perChannel,
            float[][] calibration,
            Calibration method,
            double percentile,
            WeightFormat weights) {
        this(mode, perChannel, calibration, method, percentile, weights, true, Set.of());
    }

    /** With embedding tables quantized or not, nothing kept fp32 by name. */
    public QuantizeOptions(
            Mode mode,
            boolean perChannel,
            float[][] calibration,
            Calibration method,
            double percentile,
            WeightFormat weights,
            boolean embeddings) {
        this(mode, perChannel, calibration, method, percentile, weights, embeddings, Set.of());
    }

    /** The same options, with {@code nodes} left fp32 as well. */
    public QuantizeOptions keeping(Set<String> nodes) {
        java.util.Set<String> all = new java.util.LinkedHashSet<>(keepFp32);
        all.addAll(nodes);
        return new QuantizeOptions(mode, perChannel, calibration, method, percentile, weights, embeddings, all);
    }

    /** The same options with another weight format and channel choice. */
    public QuantizeOptions with(boolean perChannel, WeightFormat weights) {
        return new QuantizeOptions(mode, perChannel, calibration, method, percentile, weights, embeddings, keepFp32);
    }

    /** "dynamic, per-channel, U8U8 (...)" */
    public String describe() {
        return (mode == Mode.DYNAMIC ? "dynamic" : "static QDQ") + ", " + (perChannel ? "per-channel" : "per-tensor")
                + ", " + weights.label() + (embeddings ? "" : ", embedding tables fp32");
    }

    public QuantizeOptions {
        if (mode == Mode.STATIC && (calibration == null || calibration.length == 0)) {
            throw new QuantizeException("static quantization needs calibration rows (--calibration data.csv)");
        }
        if (method == Calibration.PERCENTILE && (percentile <= 50 || percentile > 100)) {
            throw new QuantizeException("percentile must be in (50, 100], e.g. 99.99; got " + percentile);
        }
        if (weights == null) {
            weights = WeightFormat.U8U8;
        }
        keepFp32 = keepFp32 == null ? Set.of() : Set.copyOf(keepFp32);
    }

    /** Quantization mode. */
    public enum Mode {
        DYNAMIC,
        STATIC
    }

    /** Calibration method for static mode. */
    public enum Calibration {
        MINMAX,
        PERCENTILE
    }

    /**
     * How weights are stored, named as ONNX Runtime names the kernel that multiplies them: activation
     * type, then weight type. Activations are always uint8.
     *
     * <p>Full-range int8 weights (U8S8 with -127..127) are deliberately not offered. On x86-64 CPUs
     * without VNNI (AVX2 only: Lambda x86_64, many EPYC and Xeon hosts) ONNX Runtime's u8 x s8 kernels
     * multiply with {@code VPMADDUBSW}, which adds each pair of products in 16 bits and saturates
     * at 32,767: 2 x 255 x 127 = 64,770. Such a model is exact where it was checked (a VNNI or ARM
     * machine) and wrong where it is served. Both formats below are exact on every CPU, so the choice
     * does not depend on the machine that quantizes; ONNX Runtime's quantization guide names the
     * same two remedies.
     */
    public enum WeightFormat {
        /**
         * The default. uint8 weights with zero point 128 (symmetric, -127..127 stored as 1..255): the
         * same 255 levels as full-range int8, and ONNX Runtime's u8 x u8 kernels widen to 16 bits
         * before they multiply, so nothing saturates. Costs some speed against U8S8 kernels (about
         * 10-20 % per matrix product on an AVX2 host), none of the accuracy.
         */
        U8U8("U8U8 (8-bit uint8 weights, zero point 128)", 127),

        /**
         * ONNX Runtime's {@code reduce_range}: int8 weights within -63..63 (7 bits), so a pair of u8 x
         * s8 products stays below 32,767 (2 x 255 x 63 = 32,130). Keeps the faster U8S8 kernels (VNNI
         * where present) at half the weight resolution; on small models that can cost the gate.
         */
        U8S8_REDUCED_RANGE("U8S8 reduce-range (7-bit int8 weights)", 63);

        private final String label;
        private final int limit;

        WeightFormat(String label, int limit) {
            this.label = label;
            this.limit = limit;
        }

        /** How reports name it. */
        public String label() {
            return label;
        }

        /** The largest |quantized weight| before the U8U8 offset: 127 or 63. */
        int limit() {
            return limit;
        }
    }
}
