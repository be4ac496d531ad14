package io.inferfn.runtime.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.inferfn.model.LoadedModel;
import io.inferfn.runtime.ModelCatalog;
import io.inferfn.scoring.ScoreDrift;

/**
 * Exposes each served model's score drift: {@code inferfn.model.score.psi} (gauge, the population
 * stability index of the recent scores against the manifest's reference histogram; NaN while the
 * window holds too few scores) and {@code inferfn.model.score.observed} (counter, the scores
 * counted since start), tagged with model and version. A model whose manifest has no reference
 * gets neither. The scoring path only increments the model's bins; the PSI is computed when the
 * gauge is read (a scrape, an EMF flush).
 */
@ApplicationScoped
public class ScoreDriftMetrics {

    /** Gauge: PSI of the recent scores against the reference. */
    public static final String PSI = "inferfn.model.score.psi";
    /** Counter: scores counted into the drift histogram. */
    public static final String OBSERVED = "inferfn.model.score.observed";

    @Inject
    MeterRegistry registry;

    void bind(@Observes ModelCatalog.ModelsLoaded loaded) {
        for (LoadedModel model : loaded.models()) {
            ScoreDrift drift = model.drift();
            if (drift == null) {
                continue;
            }
            Gauge.builder(PSI, drift, ScoreDrift::psi)
                    .description("Population stability index of the model's recent scores against the reference"
                            + " histogram in its manifest (< 0.1 stable, 0.1-0.25 moderate, > 0.25 significant shift)")
                    .tag("model", model.name())
                    .tag("version", model.version())
                    .strongReference(true)
                    .register(registry);
            FunctionCounter.builder(OBSERVED, drift, ScoreDrift::observed)
                    .description("Scores counted into the model's drift histogram")
                    .tag("model", model.name())
                    .tag("version", model.version())
                    .register(registry);
        }
    }
}
