package io.inferfn.model;

import io.inferfn.scoring.InferenceException;

/**
 * A model could not be loaded: a missing file, a checksum mismatch, a manifest that does not match
 * the ONNX graph. Thrown at cold start, where it must stop the function loudly. The message names
 * the file, what was expected and what was found. A request that meets a model which failed to
 * load gets 503 with this message.
 */
public class ModelLoadException extends InferenceException {

    public ModelLoadException(String message) {
        super(503, message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(503, message, cause);
    }
}
