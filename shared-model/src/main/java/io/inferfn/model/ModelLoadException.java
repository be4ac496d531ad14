package io.inferfn.model;

/**
 * A model could not be loaded: a missing file, a checksum mismatch, a manifest that does not match
 * the ONNX graph. Thrown at cold start, where it must stop the function loudly. The message names
 * the file, what was expected and what was found.
 */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
