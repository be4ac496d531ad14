package io.inferfn.http;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import io.inferfn.runtime.StartPreload;

/**
 * The container entry point: Quarkus, with the preloading of {@link StartPreload} beside its start — SmallRye
 * OpenAPI's document first ({@link OpenApiPreload}), then Jackson, ONNX Runtime's natives and the manifest of the demo
 * model this function packages — so that Quarkus' start, the served model's load and the first request find their
 * classes loaded.
 */
@QuarkusMain
public class HttpPredictMain {

    /** The model packaged with the function (pom.xml: the demo model, the default inferfn.model.locations). */
    static final String PACKAGED_MODEL = "classpath:models/fraud/2";

    public static void main(String... args) {
        StartPreload.start(PACKAGED_MODEL, OpenApiPreload::run);
        Quarkus.run(args);
    }
}
