package io.inferfn.batch;

import io.inferfn.scoring.InferenceException;

/** A batch run failed midway; nothing of the attempt was committed, and a rerun with the same run id completes it. */
public final class BatchRunException extends InferenceException {

    public BatchRunException(String message, Throwable cause) {
        super(message, cause);
    }
}
