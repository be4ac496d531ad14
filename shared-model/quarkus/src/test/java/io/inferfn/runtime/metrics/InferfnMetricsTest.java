package io.inferfn.runtime.metrics;

import java.util.List;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.scoring.Prediction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a model's meters record. Quarkus may add its Prometheus registry to the global composite after the models
 * load; the meters built before that must end up on that registry itself (a composite meter allocates an iterator on
 * every increment) without counting anything twice or losing a count.
 */
class InferfnMetricsTest {

    static final String FRAUD = "file:../../models/fraud/2";

    @Test
    void meterBuiltBeforeTheRegistryJoinedAreRebuiltOnItAtTheFirstScoredCallAndCountOnce() {
        CompositeMeterRegistry global = new CompositeMeterRegistry();
        InferfnMetrics metrics = InferfnMetrics.of(global, "http-predict");
        try (LoadedModel fraud = ModelRegistry.local(OnnxOptions.DEFAULTS).load(FRAUD)) {
            metrics.modelLoaded(fraud, 1_000_000); // the composite is still empty, as at a cold start
            metrics.fetchTimers();
            assertThat(metrics.forModel(fraud).registry).isSameAs(global);

            SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
            global.add(prometheus); // Quarkus adds its registry
            metrics.scored(fraud, List.of(prediction(false), prediction(true)), 10, 20);
            metrics.scored(fraud, List.of(prediction(false)), 10, 20);

            assertThat(metrics.forModel(fraud).registry).isSameAs(prometheus);
            assertThat(metrics.fetchTimers()[0].getClass().getName()).doesNotContain("Composite");
            assertThat(prometheus
                            .get(InferfnMetrics.PREDICTIONS)
                            .tag("outcome", "ok")
                            .counter()
                            .count())
                    .isEqualTo(2.0);
            assertThat(prometheus
                            .get(InferfnMetrics.PREDICTIONS)
                            .tag("outcome", "degraded")
                            .counter()
                            .count())
                    .isEqualTo(1.0);
            assertThat(prometheus.get(InferfnMetrics.INFERENCE_DURATION).timer().count())
                    .isEqualTo(2);
        }
    }

    @Test
    void switchedOffEveryMeterIsANoOpAndNothingReachesTheRegistry() {
        SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
        InferfnMetrics metrics = InferfnMetrics.of(prometheus, "http-predict");
        metrics.enabled = false;
        try (LoadedModel fraud = ModelRegistry.local(OnnxOptions.DEFAULTS).load(FRAUD)) {
            metrics.modelLoaded(fraud, 1_000_000);
            metrics.scored(fraud, List.of(prediction(false)), 10, 20);
            metrics.fetchTimers()[0].record(java.time.Duration.ofMillis(1));
            assertThat(prometheus.getMeters()).isEmpty();
        }
    }

    static Prediction prediction(boolean degraded) {
        return new Prediction("c-1", 0.5f, "legit", degraded, degraded ? List.of("customer_age_days") : List.of());
    }
}
