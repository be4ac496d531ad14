package io.inferfn.http;

import java.time.Duration;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Load shedding of the scoring routes ({@link OverloadGuard}): how many requests are scored at once,
 * and how long one more may wait for a slot before it is answered 503 with {@code Retry-After}.
 */
@ConfigMapping(prefix = "inferfn.overload")
public interface OverloadConfig {

    /** Off: every request is taken in, however many are in flight (callers then time out instead). */
    @WithDefault("true")
    boolean enabled();

    /** A fixed limit of requests in flight; unset, the limit adapts to latency between the bounds below. */
    OptionalInt maxConcurrent();

    /** The adaptive limit's start. */
    @WithDefault("16")
    int initialConcurrent();

    /** The adaptive limit's floor: it never sheds while fewer than this many are in flight. */
    @WithDefault("4")
    int minConcurrent();

    /** The adaptive limit's ceiling. */
    @WithDefault("128")
    int maxAdaptiveConcurrent();

    /** How many requests may wait for a slot; one more is answered 503 at once. 0: none wait. */
    @WithDefault("128")
    int queueSize();

    /**
     * The longest a request waits for a slot; one that has not started by then is answered 503. It
     * bounds the wait, not the scoring: a started request takes its usual time.
     */
    @WithDefault("100ms")
    Duration queueDeadline();

    /** The {@code Retry-After} a shed request gets (whole seconds, at least 1). */
    @WithDefault("1s")
    Duration retryAfter();
}
