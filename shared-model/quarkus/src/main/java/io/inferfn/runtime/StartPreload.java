package io.inferfn.runtime;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import io.inferfn.model.OnnxModel;
import io.inferfn.model.OrtNativeLibraries;

/**
 * Loads, on a second thread at process start, the Jackson data-binding classes the model manifest and the first
 * request need, and ONNX Runtime's native libraries when {@code -Donnxruntime.native.path} names them at launch,
 * while the main thread starts Quarkus (the pattern of Spring Boot's {@code BackgroundPreinitializer}).
 * Quarkus' own start is single-threaded class loading; on two or more cores this overlaps part of what inferfn adds
 * to it. Only class loading and initialization: no model, no configuration, nothing a request could see. A no-op in
 * native images, whose classes are already in the image.
 */
public final class StartPreload {

    private static final Logger LOG = Logger.getLogger(StartPreload.class);

    private StartPreload() {}

    /** A shape like a manifest's: records, nested lists, an enum, a map, numbers of several kinds. */
    private record Sample(String name, Kind kind, List<Part> parts, Map<String, Double> values, boolean on) {}

    private record Part(String field, int index, double weight, List<String> tags) {}

    private enum Kind {
        A,
        B
    }

    /** Starts the preload thread unless in a native image or turned off ({@code -Dinferfn.preload=false}). */
    public static void start() {
        if (System.getProperty("org.graalvm.nativeimage.imagecode") != null
                || !Boolean.parseBoolean(System.getProperty("inferfn.preload", "true"))) {
            return;
        }
        Thread thread = new Thread(StartPreload::run, "inferfn-preload");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run() {
        long start = System.nanoTime();
        try {
            if (System.getProperty(OrtNativeLibraries.PROPERTY) != null) {
                // set at launch, so it wins over any inferfn setting (OrtNativeLibraries.select): loading ONNX
                // Runtime's natives now is what the model load would do first
                OnnxModel.environment();
            }
            Class.forName("io.inferfn.model.ModelManifest", true, StartPreload.class.getClassLoader());
            ObjectMapper mapper = new ObjectMapper();
            Sample sample = mapper.readValue(
                    "{\"name\":\"n\",\"kind\":\"B\",\"parts\":[{\"field\":\"f\",\"index\":1,\"weight\":0.5,"
                            + "\"tags\":[\"t\"]}],\"values\":{\"v\":1.5},\"on\":true}",
                    Sample.class);
            mapper.writeValueAsBytes(sample);
            mapper.readTree("{\"a\":[1,2.5,\"x\",null,false]}");
            LOG.debugf("preloaded in %d ms", (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | LinkageError e) {
            LOG.debugf("preload stopped: %s", e); // an optimisation only: the start does the same work itself
        }
    }
}
