package io.inferfn.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import io.inferfn.localstack.RedisTestResource;
import io.inferfn.model.ScoreReference;
import io.inferfn.runtime.metrics.ScoreDriftMetrics;
import io.inferfn.testing.TinyModels;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drift gauge moves when the scores shift: a model whose manifest carries the histogram of the
 * scores it gave one population serves that population (PSI below 0.1, stable), then a shifted
 * one (PSI above 0.25, a significant shift); {@code b} comes from the real Redis feature store.
 */
@QuarkusTest
@TestProfile(ScoreDriftTest.ModelWithReference.class)
@QuarkusTestResource(value = RedisTestResource.class, restrictToAnnotatedClass = true)
class ScoreDriftTest {

    static final float[] WEIGHTS = {1f, 0.5f};
    static final String[] ENTITIES = {"d-0", "d-1", "d-2", "d-3", "d-4"};

    /** The store feature of entity {@code i}. */
    static double b(int entity) {
        return entity - 2.0;
    }

    static double score(double a, double b) {
        return 1 / (1 + Math.exp(-(WEIGHTS[0] * a + WEIGHTS[1] * b)));
    }

    /** score = sigmoid(a + 0.5 b), with the reference histogram of 20,000 rows of a ~ N(0, 1). */
    public static class ModelWithReference implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Random random = new Random(7);
            float[] scores = new float[20_000];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (float) score(random.nextGaussian(), b(i % ENTITIES.length));
            }
            ScoreReference reference = ScoreReference.of(scores, 10);
            String manifest =
                    """
                    {"name": "drifty", "version": "4", "sha256": "$SHA", "quantization": "fp32",
                     "inputs": [{"name": "x", "type": "float32", "shape": [-1, 2], "features": ["a", "b"]}],
                     "features": [{"name": "a", "source": "request"},
                                  {"name": "b", "source": "store", "key": "drift:{entityId}", "field": "b",
                                   "default": 0}],
                     "output": {"tensor": "y"},
                     "reference": {"edges": %s, "fractions": %s, "rows": %d}}"""
                            .formatted(reference.edges(), reference.fractions(), reference.rows());
            try {
                byte[] onnx = TinyModels.logistic("x", "y", WEIGHTS, 0f);
                return Map.of(
                        "inferfn.model.locations",
                        "file:" + TinyModels.publish(onnx, manifest),
                        // one window for the whole test: the shift shows against the stable traffic before it
                        "inferfn.model.drift.window",
                        "1h");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A registry that keeps values, joined to Quarkus' composite registry (without one the composite
     * hands out no-op meters; the function's Prometheus registry plays this part in production).
     */
    @Singleton
    static class KeepingRegistry {
        @Produces
        @Singleton
        SimpleMeterRegistry simpleMeterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/predict")
    URL predict;

    double psi() {
        Gauge gauge = registry.find(ScoreDriftMetrics.PSI)
                .tags("model", "drifty", "version", "4")
                .gauge();
        assertThat(gauge).as("the drift gauge of drifty 4").isNotNull();
        return gauge.value();
    }

    double observed() {
        FunctionCounter counter = registry.find(ScoreDriftMetrics.OBSERVED)
                .tags("model", "drifty", "version", "4")
                .functionCounter();
        assertThat(counter).isNotNull();
        return counter.count();
    }

    /** {@code requests} batches of 100 rows with {@code a ~ N(mean, 1)}, entities round robin. */
    void serve(Random random, double mean, int requests) {
        for (int q = 0; q < requests; q++) {
            StringJoiner rows = new StringJoiner(",", "{\"rows\": [", "]}");
            for (int r = 0; r < 100; r++) {
                rows.add("{\"entityId\": \"" + ENTITIES[r % ENTITIES.length] + "\", \"features\": {\"a\": "
                        + (mean + random.nextGaussian()) + "}}");
            }
            given().contentType(ContentType.JSON)
                    .body(rows.toString())
                    .post(predict)
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void thePsiGaugeRisesPastASignificantShiftWhenTheScoresShift() {
        for (int i = 0; i < ENTITIES.length; i++) {
            RedisTestResource.redis().hset("drift:" + ENTITIES[i], Map.of("b", Double.toString(b(i))));
        }
        assertThat(psi()).as("no scores yet: no PSI").isNaN();

        Random random = new Random(11);
        serve(random, 0, 20); // 2,000 rows like the reference
        assertThat(observed()).isEqualTo(2000);
        double stable = psi();
        assertThat(stable).as("PSI of the reference population").isLessThan(0.1);

        serve(random, 1.5, 60); // 6,000 rows of a shifted population
        assertThat(observed()).isEqualTo(8000);
        assertThat(psi()).as("PSI after the shift (was %s)", stable).isGreaterThan(0.25);
    }
}
