package io.inferfn.batch;

import io.inferfn.scoring.InferenceException;

/**
 * A batch run failed midway (500); nothing of the attempt was committed, and a rerun with the same
 * run id completes it. The cause (database or file errors) goes to the log, never to the caller,
 * who gets a reason by kind (connection lost, statement timeout, ...) without the server's text.
 */
public final class BatchRunException extends InferenceException {

    private final String advice;

    /** @param run the run, as {@link RunSpec#describe()} names it */
    public BatchRunException(String run, Throwable cause) {
        super(500, run + " failed: " + cause.getMessage() + "; " + ADVICE, cause);
        String reason = SqlErrors.reason(cause);
        this.advice = run + " failed" + (reason == null ? "" : ": " + reason) + "; " + ADVICE;
    }

    private static final String ADVICE =
            "nothing of this attempt was committed; rerun with the same runId to complete it";

    @Override
    public String clientMessage() {
        return advice;
    }
}
