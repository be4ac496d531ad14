package io.inferfn.model;

import java.io.IOException;

/**
 * Where published models live. A location is {@code <scheme>:<path>} pointing at a model
 * directory holding {@code manifest.json} and {@code model.onnx}. {@code file:} and
 * {@code classpath:} are built in; other schemes (S3) plug in here.
 */
public interface ModelSource {

    /** Whether this source handles {@code location} (by its scheme). */
    boolean supports(String location);

    /** Reads one file of the model directory, e.g. {@code manifest.json}. */
    byte[] read(String location, String fileName) throws IOException;

    /** How the file is named in messages, e.g. {@code file:/models/fraud/1/model.onnx}. */
    default String describe(String location, String fileName) {
        return location.endsWith("/") ? location + fileName : location + "/" + fileName;
    }
}
