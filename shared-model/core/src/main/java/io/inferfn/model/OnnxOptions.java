package io.inferfn.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.ExecutionMode;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * Explicit ONNX Runtime session options. The defaults suit a serverless function on one or two
 * vCPUs: one intra-op thread (requests are parallel across threads already), no spinning (a
 * spinning pool burns the CPU a Lambda is billed for), all graph optimizations.
 *
 * @param intraOpThreads threads one ORT call may use; 1 unless batches are large and cores idle
 * @param spinning whether ORT's thread pool busy-waits between ops
 * @param optimization graph optimization level: none, basic, extended or all
 * @param executionProvider {@code cpu} (the default), or {@code cuda} / {@code cuda:<device>} for ONNX Runtime's
 *     CUDA execution provider, which needs the GPU build of ONNX Runtime ({@code onnxruntime_gpu}) and CUDA on the
 *     host; where it is unavailable the session runs on the CPU and {@link OnnxModel#executionProvider()} says why
 */
public record OnnxOptions(int intraOpThreads, boolean spinning, String optimization, String executionProvider) {

    public static final OnnxOptions DEFAULTS = new OnnxOptions(1, false, "all");

    public OnnxOptions {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intra-op threads must be >= 1; got " + intraOpThreads);
        }
        optLevel(optimization);
        cudaDevice(executionProvider);
    }

    /** CPU execution. */
    public OnnxOptions(int intraOpThreads, boolean spinning, String optimization) {
        this(intraOpThreads, spinning, optimization, "cpu");
    }

    /** The CUDA device asked for, or -1 for the CPU. */
    static int cudaDevice(String provider) {
        String p = provider == null ? "cpu" : provider.trim().toLowerCase(java.util.Locale.ROOT);
        if (p.equals("cpu")) {
            return -1;
        }
        if (p.equals("cuda")) {
            return 0;
        }
        if (p.startsWith("cuda:")) {
            try {
                int device = Integer.parseInt(p.substring(5));
                if (device >= 0) {
                    return device;
                }
            } catch (NumberFormatException e) {
                // named below
            }
        }
        throw new IllegalArgumentException(
                "execution provider must be cpu, cuda or cuda:<device number>; got '" + provider + "'");
    }

    SessionOptions toSessionOptions() throws OrtException {
        SessionOptions options = new SessionOptions();
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(optLevel(optimization));
        options.setMemoryPatternOptimization(true);
        options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
        options.addConfigEntry("session.inter_op.allow_spinning", spinning ? "1" : "0");
        return options;
    }

    private static OptLevel optLevel(String name) {
        return switch (name == null ? "all" : name) {
            case "none" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default ->
                throw new IllegalArgumentException(
                        "optimization must be none, basic, extended or all; got '" + name + "'");
        };
    }
}
