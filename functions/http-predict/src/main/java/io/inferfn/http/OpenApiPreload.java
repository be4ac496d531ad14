package io.inferfn.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.openapi.api.SmallRyeOpenAPI;

/**
 * Runs, on {@link io.inferfn.runtime.StartPreload}'s thread, what SmallRye OpenAPI does on the main thread at every
 * start (its recorder reads the document generated at build time, parses it into its model and writes it as JSON and
 * YAML for {@code /q/openapi}; nothing configures that away in Quarkus 3.34), so that the main thread finds the
 * classes loaded: a throwaway document from the same resource, with an empty configuration of its own (Quarkus'
 * configuration is not built yet and must not be touched).
 */
final class OpenApiPreload {

    /** Where quarkus-smallrye-openapi puts the build-time document (its OpenApiConstants.BASE_NAME + "JSON"). */
    static final String DOCUMENT = "META-INF/quarkus-generated-openapi-doc.JSON";

    private OpenApiPreload() {}

    static void run() {
        try (InputStream in = OpenApiPreload.class.getClassLoader().getResourceAsStream(DOCUMENT)) {
            if (in == null) {
                return; // not a packaged build (tests of other modules); nothing to warm
            }
            SmallRyeOpenAPI document = SmallRyeOpenAPI.builder()
                    .withConfig(new SmallRyeConfigBuilder().build())
                    .withApplicationClassLoader(OpenApiPreload.class.getClassLoader())
                    .enableModelReader(false)
                    .enableStandardStaticFiles(false)
                    .enableAnnotationScan(false)
                    .enableStandardFilter(false)
                    .withCustomStaticFile(() -> in)
                    .build();
            document.toJSON();
            document.toYAML();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
