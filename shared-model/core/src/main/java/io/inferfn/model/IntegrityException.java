package io.inferfn.model;

/** The bytes of {@code model.onnx} do not hash to the sha256 its manifest pins. */
public final class IntegrityException extends ModelLoadException {

    public IntegrityException(String message) {
        super(message);
    }
}
