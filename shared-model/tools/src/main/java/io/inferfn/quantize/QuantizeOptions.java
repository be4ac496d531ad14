package io.inferfn.quantize;

/**
 * How to quantize.
 *
 * @param mode {@code DYNAMIC}: int8 weights, activations quantized at run time; {@code STATIC}:
 *     QDQ with activation ranges calibrated on {@code calibration}
 * @param perChannel one weight scale per output channel instead of one per tensor
 * @param calibration rows of the model's input for static mode (null for dynamic)
 * @param method how activation ranges are taken from calibration: min/max or percentile
 * @param percentile for {@code PERCENTILE}: the share of values kept, e.g. 99.99
 * @param reduceRange 7-bit weights (-63..63): on x86 CPUs without VNNI, ONNX Runtime's u8 x s8
 *     kernels add pairs of products in 16 bits, which full-range weights can saturate
 */
public record QuantizeOptions(
        Mode mode,
        boolean perChannel,
        float[][] calibration,
        Calibration method,
        double percentile,
        boolean reduceRange) {

    /** Dynamic, per-tensor: the default. */
    public static final QuantizeOptions DYNAMIC = new QuantizeOptions(Mode.DYNAMIC, false, null, null, 0);

    /** Full-range (8-bit) weights. */
    public QuantizeOptions(
            Mode mode, boolean perChannel, float[][] calibration, Calibration method, double percentile) {
        this(mode, perChannel, calibration, method, percentile, false);
    }

    public QuantizeOptions {
        if (mode == Mode.STATIC && (calibration == null || calibration.length == 0)) {
            throw new QuantizeException("static quantization needs calibration rows (--calibration data.csv)");
        }
        if (method == Calibration.PERCENTILE && (percentile <= 50 || percentile > 100)) {
            throw new QuantizeException("percentile must be in (50, 100], e.g. 99.99; got " + percentile);
        }
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
}
