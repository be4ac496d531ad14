package io.inferfn.model;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where published models live. A location is {@code <scheme>:<path>} pointing at a model
 * directory holding {@code manifest.json} and {@code model.onnx}. {@code file:} and
 * {@code classpath:} are built in; other schemes (S3) plug in through a {@link Provider} that
 * {@link ModelRegistry#standard} finds with {@link java.util.ServiceLoader}, so a function that
 * serves no such location carries none of its dependencies.
 */
public interface ModelSource {

    /** Whether this source handles {@code location} (by its scheme). */
    boolean supports(String location);

    /** Reads one file of the model directory, e.g. {@code manifest.json}. */
    byte[] read(String location, String fileName) throws IOException;

    /**
     * Reads one object version of a file, for sources that keep versions (S3 with versioning on);
     * the others refuse a pinned version.
     */
    default byte[] read(String location, String fileName, String version) throws IOException {
        throw new ModelLoadException("model location '" + location + "' pins version=" + version + " of " + fileName
                + ", but this kind of location keeps no object versions; pin #sha256= only");
    }

    /** How the file is named in messages, e.g. {@code file:/models/fraud/1/model.onnx}. */
    default String describe(String location, String fileName) {
        return location.endsWith("/") ? location + fileName : location + "/" + fileName;
    }

    /**
     * A location scheme in a module of its own, registered in
     * {@code META-INF/services/io.inferfn.model.ModelSource$Provider}; the source it creates says
     * which locations it handles ({@link ModelSource#supports}).
     */
    interface Provider {

        /**
         * Creates the source.
         *
         * @param settings the function's configuration by key (e.g. {@code inferfn.model.s3.region})
         */
        ModelSource create(Function<String, Optional<String>> settings);
    }
}
