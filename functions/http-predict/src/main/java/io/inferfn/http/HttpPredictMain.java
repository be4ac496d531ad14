package io.inferfn.http;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import io.inferfn.runtime.StartPreload;

/** The container entry point: Quarkus, with the class preloading of {@link StartPreload} beside its start. */
@QuarkusMain
public class HttpPredictMain {

    public static void main(String... args) {
        StartPreload.start();
        Quarkus.run(args);
    }
}
