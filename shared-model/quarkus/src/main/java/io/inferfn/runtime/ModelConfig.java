package io.inferfn.runtime;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which models a function serves and how their ONNX sessions are built. */
@ConfigMapping(prefix = "inferfn.model")
public interface ModelConfig {

    /**
     * Model directories to load at start, each {@code file:<dir>}, {@code classpath:<dir>} or
     * {@code s3://bucket/prefix/} holding {@code manifest.json} and {@code model.onnx}. With one model, requests may omit the
     * model name.
     */
    List<String> locations();

    /**
     * {@code blocking}: the function does not start until every model is loaded and verified, and
     * a bad model fails the cold start (right for Lambda). {@code background}: the HTTP port and
     * health endpoints come up at once, readiness stays DOWN and predictions answer 503 until the
     * models are loaded (right for containers with large models and startup probes).
     */
    @WithDefault("blocking")
    StartupMode startup();

    /**
     * Whether this function may serve models with window features ({@code "source": "window"}): only a
     * function whose rows are stream messages with a partition and offset keeps windows (event-score
     * sets it). Elsewhere such a model fails to load with a message saying so.
     */
    @WithDefault("false")
    boolean windowFeatures();

    /** ONNX Runtime session options. */
    Onnx onnx();

    /** How the score drift of a model with a reference histogram is measured (README "Drift"). */
    Drift drift();

    /** The window of the live score histogram behind {@code inferfn.model.score.psi}. */
    interface Drift {

        /**
         * How long each of the two alternating score histograms collects: the PSI covers the last
         * one to two windows, so a drift shows within two windows. {@code 0}: cumulative since start.
         */
        @WithDefault("15m")
        java.time.Duration window();

        /** Below this many scores in the window the PSI gauge is NaN: too few to say. */
        @WithDefault("100")
        long minScores();
    }

    /** When the models are loaded. */
    enum StartupMode {
        BLOCKING,
        BACKGROUND
    }

    /** ONNX Runtime session options, applied to every model. */
    interface Onnx {

        /** Threads one ORT call may use; requests already run in parallel across threads. */
        @WithDefault("1")
        int intraOpThreads();

        /** Whether ORT's thread pool busy-waits between ops (burns billed CPU on Lambda). */
        @WithDefault("false")
        boolean spinning();

        /** Graph optimization level: none, basic, extended or all. */
        @WithDefault("all")
        String optimization();

        /**
         * Where ORT runs the models: {@code cpu}, or {@code cuda} / {@code cuda:<device>} for its CUDA execution
         * provider (a container with a GPU, CUDA and ONNX Runtime's GPU build, {@code onnxruntime_gpu}, instead of
         * {@code onnxruntime}). Where CUDA is not available the models load on the CPU and the start logs why.
         */
        @WithDefault("cpu")
        String executionProvider();

        /**
         * A directory holding ONNX Runtime's native libraries ({@code libonnxruntime.so} and
         * {@code libonnxruntime4j_jni.so}) to load instead of extracting them from its jar at every
         * start (about 200 ms). Unset: {@code $LAMBDA_TASK_ROOT/onnxruntime} when the Lambda zip
         * ships them there, else extraction to {@code java.io.tmpdir}. A configured directory that
         * lacks the libraries fails the start. The JVM property {@code onnxruntime.native.path}
         * wins over both.
         */
        Optional<String> nativePath();
    }
}
