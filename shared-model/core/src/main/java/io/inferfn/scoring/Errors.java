package io.inferfn.scoring;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place that turns any failure into what a client sees: the status an {@link
 * InferenceException} carries (500 for anything else) and a message that never holds internal text
 * (ONNX Runtime, SQL, stack traces). A 500 gets an error id; log the cause under the same id.
 */
public final class Errors {

    private Errors() {}

    /** The status code for {@code error}; anything outside the hierarchy is a server fault (500). */
    public static int status(Throwable error) {
        return error instanceof InferenceException e ? e.status() : 500;
    }

    /** A short random id that ties a 500's answer to its log line. */
    public static String newErrorId() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
    }

    /**
     * The message a client may see: ours verbatim for a 4xx or 503; for a server fault "internal
     * error" with {@code errorId} and, where the exception offers it, advice without internals.
     */
    public static String clientMessage(Throwable error, String errorId) {
        String safe = error instanceof InferenceException e ? e.clientMessage() : null;
        if (status(error) < 500 || status(error) == 503) {
            return safe;
        }
        return "internal error (error id " + errorId + ")"
                + (safe == null ? "; the server log has the details" : ": " + safe);
    }
}
