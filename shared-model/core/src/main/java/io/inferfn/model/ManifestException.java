package io.inferfn.model;

/** {@code manifest.json} is unreadable, inconsistent, or disagrees with the ONNX session. */
public final class ManifestException extends ModelLoadException {

    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
