package io.inferfn.runtime;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.junit.jupiter.api.Test;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SnapStart hooks through CRaC itself: the bean registers as it does at startup, and a
 * checkpoint runs its hook (org.crac's test compat, {@code io.inferfn.testing.crac}, stands in for
 * a CRaC JVM), which scores the catalog's demo model before the snapshot.
 */
class SnapStartPrimingTest {

    static {
        // before org.crac.Core initializes: it picks its implementation once
        System.setProperty("org.crac.Core.Compat", "io.inferfn.testing.crac");
    }

    @Test
    void aCheckpointPrimesTheCatalogsModelsThroughTheCracRegistration() throws Exception {
        List<String> primed = new CopyOnWriteArrayList<>();
        Handler logs = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && record.getParameters() != null) {
                    message = message.contains("%")
                            ? String.format(message, record.getParameters())
                            : java.text.MessageFormat.format(message, record.getParameters());
                }
                if (message != null && message.startsWith("Primed")) {
                    primed.add(message);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(SnapStartPriming.class.getName());
        jul.addHandler(logs);
        try {
            ModelCatalog catalog = new ModelCatalog();
            catalog.config = modelConfig("file:../../models/fraud/2");
            catalog.loadedEvent = new NoObservers<>();
            io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            catalog.metrics = io.inferfn.runtime.metrics.InferfnMetrics.of(registry, "http-predict");
            catalog.onStart(null);
            SnapStartPriming priming = new SnapStartPriming();
            priming.catalog = catalog;
            // priming.store stays unset: RedisFeatureStore needs SmallRye Fault Tolerance's CDI runtime, so the
            // restore hook (a Redis PING) is not run here; a checkpoint that touched the store would fail

            int before = io.inferfn.testing.crac.Core.registered();
            priming.register(null); // what the StartupEvent does
            assertThat(io.inferfn.testing.crac.Core.registered())
                    .as("registered with CRaC's global context (org.crac found the test compat)")
                    .isEqualTo(before + 1);
            assertThat(primed).as("registering primes nothing").isEmpty();

            // what the JVM does before the snapshot: every registered resource's beforeCheckpoint
            io.inferfn.testing.crac.Core.getGlobalContext().beforeCheckpoint(null);

            assertThat(primed).as("the checkpoint primed the catalog's model").hasSize(1);
            assertThat(primed.get(0)).matches("Primed [1-9][0-9]* predictions before the snapshot in [0-9]+ ms");
            assertThat(registry.find(io.inferfn.runtime.metrics.InferfnMetrics.MODEL_LOAD_DURATION)
                            .tag("model", "fraud")
                            .timeGauge())
                    .as("the cold start's model load is measured before the snapshot")
                    .isNotNull();
        } finally {
            jul.removeHandler(logs);
        }
    }

    @Test
    void theSyntheticRowCarriesEveryRequestFeature() {
        try (LoadedModel fraud = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:../../models/fraud/2")) {
            assertThat(SnapStartPriming.syntheticRow(fraud.manifest()).features())
                    .containsKeys("amount", "merchant_category", "timestamp", "card_present");
        }
    }

    private static ModelConfig modelConfig(String location) {
        return new ModelConfig() {
            @Override
            public List<String> locations() {
                return List.of(location);
            }

            @Override
            public StartupMode startup() {
                return StartupMode.BLOCKING;
            }

            @Override
            public boolean windowFeatures() {
                return false;
            }

            @Override
            public Drift drift() {
                return new Drift() {
                    @Override
                    public java.time.Duration window() {
                        return java.time.Duration.ofMinutes(15);
                    }

                    @Override
                    public long minScores() {
                        return 100;
                    }
                };
            }

            @Override
            public Onnx onnx() {
                return new Onnx() {
                    @Override
                    public int intraOpThreads() {
                        return 1;
                    }

                    @Override
                    public boolean spinning() {
                        return false;
                    }

                    @Override
                    public String optimization() {
                        return "all";
                    }

                    @Override
                    public String executionProvider() {
                        return "cpu";
                    }

                    @Override
                    public Optional<String> nativePath() {
                        return Optional.empty();
                    }
                };
            }
        };
    }

    /** The catalog's "models loaded" event, outside CDI: nobody listens. */
    static final class NoObservers<T> implements jakarta.enterprise.event.Event<T> {
        @Override
        public void fire(T event) {}

        @Override
        public <U extends T> java.util.concurrent.CompletionStage<U> fireAsync(U event) {
            return java.util.concurrent.CompletableFuture.completedFuture(event);
        }

        @Override
        public <U extends T> java.util.concurrent.CompletionStage<U> fireAsync(
                U event, jakarta.enterprise.event.NotificationOptions options) {
            return java.util.concurrent.CompletableFuture.completedFuture(event);
        }

        @Override
        public jakarta.enterprise.event.Event<T> select(java.lang.annotation.Annotation... qualifiers) {
            return this;
        }

        @Override
        public <U extends T> jakarta.enterprise.event.Event<U> select(
                Class<U> subtype, java.lang.annotation.Annotation... qualifiers) {
            return new NoObservers<>();
        }

        @Override
        public <U extends T> jakarta.enterprise.event.Event<U> select(
                jakarta.enterprise.util.TypeLiteral<U> subtype, java.lang.annotation.Annotation... qualifiers) {
            return new NoObservers<>();
        }
    }
}
