package io.inferfn.http;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the HTTP trigger. */
@ConfigMapping(prefix = "inferfn.http")
public interface HttpPredictConfig {

    /** Most rows one batch request may carry; more is a 413. */
    @WithDefault("1024")
    int maxBatchRows();

    /** Load shedding of the scoring routes ({@link OverloadGuard}). */
    Overload overload();

    /** How many requests are scored at once before more are answered 503 with {@code Retry-After}. */
    interface Overload {

        /** A fixed limit; unset, the limit adapts to latency between the two bounds below. */
        java.util.OptionalInt maxConcurrent();

        /** The adaptive limit's start. */
        @WithDefault("16")
        int initialConcurrent();

        /** The adaptive limit's floor. */
        @WithDefault("4")
        int minConcurrent();

        /** The adaptive limit's ceiling. */
        @WithDefault("256")
        int maxAdaptiveConcurrent();

        /** The {@code Retry-After} a shed request gets (whole seconds, at least 1). */
        @WithDefault("1s")
        java.time.Duration retryAfter();
    }
}
