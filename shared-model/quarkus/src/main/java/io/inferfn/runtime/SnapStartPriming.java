package io.inferfn.runtime;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.runtime.StartupEvent;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.jboss.logging.Logger;

import io.inferfn.features.FeatureStore;
import io.inferfn.model.FeatureSpec;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;

/**
 * Lambda SnapStart (CRaC) hook: before the snapshot, every model scores a few hundred synthetic
 * rows (single and batched) so the snapshot holds a warm ORT session, warm buffers and compiled
 * scoring code, and a restored instance answers at warm speed; after restore, Redis is reconnected and its
 * paths warmed again ({@link RedisFeatureStore#warmUp}: connections do not survive a snapshot). Priming never calls
 * Redis. On JVMs without CRaC the
 * hook is registered and never invoked.
 */
@ApplicationScoped
public class SnapStartPriming implements Resource {

    private static final Logger LOG = Logger.getLogger(SnapStartPriming.class);

    /** Single-row predictions per model before the snapshot (plus as many 64-row batches / 16). */
    static final int ROUNDS = 256;

    @Inject
    ModelCatalog catalog;

    @Inject
    RedisFeatureStore store;

    void register(@Observes StartupEvent event) {
        Core.getGlobalContext().register(this);
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        long start = System.nanoTime();
        int predictions = prime(catalog.models());
        LOG.infof(
                "Primed %d predictions before the snapshot in %d ms",
                predictions, (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        store.warmUp(true);
    }

    /** Scores synthetic rows through the full scoring path (without Redis); returns how many. */
    static int prime(List<LoadedModel> models) {
        Scorer offline = new Scorer(FeatureStore.EMPTY);
        int predictions = 0;
        for (LoadedModel model : models) {
            if (model.text() != null) {
                continue; // text models are not served on Lambda (the Lambda zip leaves inferfn-text out)
            }
            Row row = syntheticRow(model.manifest());
            List<Row> batch = Collections.nCopies(64, row);
            for (int i = 0; i < ROUNDS; i++) {
                offline.score(model, row);
                predictions++;
                if (i % 16 == 0) {
                    predictions += offline.scoreBatch(model, batch).size();
                }
            }
        }
        return predictions;
    }

    /** A row every request feature of the manifest accepts: its default, else a neutral value of its type. */
    static Row syntheticRow(ModelManifest manifest) {
        Map<String, Object> features = new HashMap<>();
        for (FeatureSpec spec : manifest.features()) {
            if (!(spec instanceof FeatureSpec.Request f)) {
                continue;
            }
            Object value = f.defaultValue();
            if (value == null) {
                value = switch (f.type()) {
                    case NUMBER, TIMESTAMP -> 1.0;
                    case BOOLEAN -> Boolean.FALSE;
                    case STRING -> "";
                };
            }
            features.put(f.name(), value);
        }
        return Row.of("snapstart-priming", features);
    }
}
