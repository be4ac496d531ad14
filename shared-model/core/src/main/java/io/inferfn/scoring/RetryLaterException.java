package io.inferfn.scoring;

import java.time.Duration;

/**
 * The request is sound but cannot be served now: too many at once (429), the same work is
 * already in progress (409), or the function's workers are all taken (503). The answer carries {@code Retry-After}, so a caller backs off instead
 * of hammering, and nothing was started.
 */
public final class RetryLaterException extends InferenceException {

    private final long retryAfterSeconds;

    private RetryLaterException(int status, String message, Duration retryAfter) {
        super(status, message);
        this.retryAfterSeconds = Math.max(1, retryAfter.toSeconds());
    }

    /** 429: a configured limit of concurrent work is reached. */
    public static RetryLaterException tooManyRequests(String message, Duration retryAfter) {
        return new RetryLaterException(429, message, retryAfter);
    }

    /** 503: the function is busy (e.g. its worker queue is full); another instance or a later try will serve it. */
    public static RetryLaterException serviceUnavailable(String message, Duration retryAfter) {
        return new RetryLaterException(503, message, retryAfter);
    }

    /** 409: the same work (e.g. the same batch run) is already in progress. */
    public static RetryLaterException conflict(String message, Duration retryAfter) {
        return new RetryLaterException(409, message, retryAfter);
    }

    /** The {@code Retry-After} header's value, in whole seconds (at least 1). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
