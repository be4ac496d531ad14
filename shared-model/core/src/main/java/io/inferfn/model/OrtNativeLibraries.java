package io.inferfn.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Chooses where ONNX Runtime loads its native libraries from, before it first loads them.
 *
 * <p>ORT's default is to copy its 28 MB {@code .so} out of its jar into {@code java.io.tmpdir} at
 * every start, which costs about 200 ms of each cold start; a directory with the libraries already
 * on disk (the Lambda zip ships one at {@code onnxruntime/}) skips that.
 */
public final class OrtNativeLibraries {

    /** The JVM property ONNX Runtime reads: a directory holding its native libraries. */
    public static final String PROPERTY = "onnxruntime.native.path";

    static final List<String> LIBRARIES = List.of("libonnxruntime.so", "libonnxruntime4j_jni.so");

    private OrtNativeLibraries() {}

    /**
     * Sets {@value #PROPERTY} unless the JVM already has it: to {@code configured} when given (which
     * must hold the libraries), else to {@code <lambdaTaskRoot>/onnxruntime} when that holds them.
     *
     * @return where the libraries will be loaded from, or empty when ORT extracts them from its jar
     * @throws ModelLoadException when the configured directory lacks a library
     */
    public static Optional<Path> select(Optional<String> configured, String lambdaTaskRoot) {
        String preset = System.getProperty(PROPERTY);
        if (preset != null) {
            return Optional.of(Path.of(preset));
        }
        Path chosen = null;
        if (configured.isPresent()) {
            chosen = Path.of(configured.get());
            for (String library : LIBRARIES) {
                if (!Files.isRegularFile(chosen.resolve(library))) {
                    throw new ModelLoadException("inferfn.model.onnx.native-path=" + chosen + " has no " + library
                            + "; point it at a directory holding " + LIBRARIES + " for this platform, or unset it"
                            + " to let ONNX Runtime extract them from its jar");
                }
            }
        } else if (lambdaTaskRoot != null) {
            Path shipped = Path.of(lambdaTaskRoot, "onnxruntime");
            if (LIBRARIES.stream().allMatch(library -> Files.isRegularFile(shipped.resolve(library)))) {
                chosen = shipped;
            }
        }
        if (chosen == null) {
            return Optional.empty();
        }
        System.setProperty(PROPERTY, chosen.toString());
        return Optional.of(chosen);
    }
}
