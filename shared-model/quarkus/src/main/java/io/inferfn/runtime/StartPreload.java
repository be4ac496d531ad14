package io.inferfn.runtime;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import io.inferfn.model.ModelManifest;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OrtNativeLibraries;

/**
 * Loads, on a second thread at process start, the classes inferfn's own start and first prediction need, while the
 * main thread starts Quarkus (the pattern of Spring Boot's {@code BackgroundPreinitializer}): Jackson's data
 * binding, ONNX Runtime's natives when {@code -Donnxruntime.native.path} names them at launch, and the manifest of a
 * model the function packages, read by the manifest's own mapper; and first whatever the function adds (an
 * extension's start work it can run ahead). The served model's load and the first request then find these classes
 * loaded and initialized. Quarkus' own start is single-threaded class loading; on two or more cores this overlaps part
 * of what inferfn adds to it. Nothing a request could see: no configuration is read, no connection made. A no-op in
 * native images, whose classes are already in the image.
 *
 * <p>It does not load and score the packaged model: doing so (a session of its own and one synthetic row, closed
 * after) measured no gain over reading its manifest alone (README "Cold start").
 */
public final class StartPreload {

    // No static Logger: the first Logger.getLogger initializes JBoss Logging's provider (its LogManager lookup),
    // which on the main thread would delay Quarkus' start; the preload thread does it, beside that start.

    private StartPreload() {}

    /** A shape like a request's and a response's: records, nested lists, an enum, a map, numbers of several kinds. */
    private record Sample(String name, Kind kind, List<Part> parts, Map<String, Double> values, boolean on) {}

    private record Part(String field, int index, double weight, List<String> tags) {}

    private enum Kind {
        A,
        B
    }

    /**
     * Starts the preload thread unless in a native image or turned off ({@code -Dinferfn.preload=false}), running
     * {@code first} on it before the rest: what the main thread reaches early in Quarkus' start (an extension's
     * recorder, say), before it loads the model.
     *
     * @param packagedModel a {@code classpath:} model location inside the function (its demo model, whatever model it
     *     is configured to serve), whose manifest is read; null for none. A missing or unreadable model is skipped.
     * @param first run once on the preload thread; what it throws stops the preloading, nothing else
     */
    public static void start(String packagedModel, Runnable first) {
        if (System.getProperty("org.graalvm.nativeimage.imagecode") != null
                || !Boolean.parseBoolean(System.getProperty("inferfn.preload", "true"))) {
            return;
        }
        Thread thread = new Thread(() -> run(packagedModel, first), "inferfn-preload");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run(String packagedModel, Runnable first) {
        long start = System.nanoTime();
        Logger log = Logger.getLogger(StartPreload.class);
        try {
            first.run();
            // set at launch, so it wins over any inferfn setting (OrtNativeLibraries.select): loading ONNX Runtime's
            // natives now is what the model load would do first. Without it, ONNX Runtime is left to the model load,
            // which may first point it at natives of its own (inferfn.model.onnx.native-path, a Lambda task root).
            if (System.getProperty(OrtNativeLibraries.PROPERTY) != null) {
                OnnxModel.environment();
            }
            ObjectMapper mapper = new ObjectMapper();
            Sample sample = mapper.readValue(
                    "{\"name\":\"n\",\"kind\":\"B\",\"parts\":[{\"field\":\"f\",\"index\":1,\"weight\":0.5,"
                            + "\"tags\":[\"t\"]}],\"values\":{\"v\":1.5},\"on\":true}",
                    Sample.class);
            mapper.writeValueAsBytes(sample);
            mapper.readTree("{\"a\":[1,2.5,\"x\",null,false]}");
            if (packagedModel != null) {
                manifest(packagedModel);
            }
            log.debugf("preloaded in %d ms", (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | LinkageError e) {
            log.debugf("preload stopped: %s", e); // an optimisation only: the start does the same work itself
        }
    }

    /** Only the manifest of a {@code classpath:} model, read by {@link ModelManifest#parse} (no ONNX Runtime). */
    private static void manifest(String location) throws Exception {
        String resource = location.substring("classpath:".length()) + "/manifest.json";
        try (InputStream in = StartPreload.class.getClassLoader().getResourceAsStream(resource)) {
            if (in != null) {
                ModelManifest.parse(in, resource);
            }
        }
    }
}
