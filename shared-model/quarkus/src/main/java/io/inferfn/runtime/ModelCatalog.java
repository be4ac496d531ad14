package io.inferfn.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelChain;
import io.inferfn.model.ModelLoadException;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxModel;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.OrtNativeLibraries;
import io.inferfn.runtime.metrics.InferfnMetrics;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.ModelNotFoundException;
import io.inferfn.scoring.ModelUnavailableException;
import io.inferfn.scoring.ScoreDrift;

/**
 * The models this function serves, loaded at start from {@code inferfn.model.locations} and looked
 * up by name per request. In {@code blocking} mode a model that fails to load stops the start with
 * the loader's message; in {@code background} mode requests get 503 with that message instead.
 */
@ApplicationScoped
public class ModelCatalog {

    private static final Logger LOG = Logger.getLogger(ModelCatalog.class);

    @Inject
    ModelConfig config;

    @Inject
    InferfnMetrics metrics;

    @Inject
    Event<ModelsLoaded> loadedEvent;

    /** Fired once the configured models are loaded, before they serve (metrics bind to them). */
    public record ModelsLoaded(List<LoadedModel> models) {}

    private volatile Map<String, LoadedModel> models = Map.of();
    private volatile LoadedModel single;
    private volatile String state = "loading";
    private volatile boolean ready;

    void onStart(@Observes StartupEvent event) {
        if (config.startup() == ModelConfig.StartupMode.BLOCKING) {
            load();
        } else {
            Thread loader = new Thread(this::loadInBackground, "inferfn-model-loader");
            loader.setDaemon(true);
            loader.start();
        }
    }

    /**
     * Sessions are deliberately not closed at shutdown: requests may still be inside ORT, and
     * freeing its native memory under them would crash the process; exit frees it anyway.
     */
    void onStop(@Observes ShutdownEvent event) {
        ready = false;
    }

    private void loadInBackground() {
        try {
            load();
        } catch (RuntimeException e) {
            state = "failed: " + e.getMessage();
            LOG.errorf("Model load failed; /predict answers 503 until restarted with a good model: %s", e.getMessage());
        }
    }

    private void load() {
        long ortStart = System.nanoTime();
        ModelConfig.Onnx onnx = config.onnx();
        var natives = OrtNativeLibraries.select(onnx.nativePath(), System.getenv("LAMBDA_TASK_ROOT"));
        OnnxModel.environment(); // loads ORT's native libraries
        metrics.startupPhase("onnx_runtime", System.nanoTime() - ortStart);
        LOG.infof(
                "ONNX Runtime environment ready in %d ms (native libraries %s)",
                (System.nanoTime() - ortStart) / 1_000_000,
                natives.map(dir -> "loaded from " + dir).orElse("extracted from its jar to java.io.tmpdir"));
        // s3:// and other schemes plug in by ServiceLoader and read their own settings (inferfn.model.s3.*)
        Config settings = ConfigProvider.getConfig();
        ModelRegistry registry = ModelRegistry.standard(
                        new OnnxOptions(
                                onnx.intraOpThreads(), onnx.spinning(), onnx.optimization(), onnx.executionProvider()),
                        key -> settings.getOptionalValue(key, String.class))
                .withDriftWindow(
                        metrics.enabled()
                                ? new ScoreDrift.Window(
                                        config.drift().window(), config.drift().minScores())
                                : null);
        Map<String, LoadedModel> loaded = new LinkedHashMap<>();
        long modelsStart = System.nanoTime();
        try {
            loadAll(registry, loaded);
            // models that read other models' outputs: checked together, as one catalog (missing, cycles, outputs)
            for (LoadedModel model : ModelChain.link(List.copyOf(loaded.values()))) {
                loaded.put(model.name(), model);
                if (model.chain() != null) {
                    LOG.infof(
                            "Model %s reads the output of other models; each call scores %s in order",
                            model.name(),
                            model.chain().stages().stream()
                                    .map(LoadedModel::name)
                                    .toList());
                }
            }
            metrics.startupPhase("models", System.nanoTime() - modelsStart);
        } catch (RuntimeException e) {
            loaded.values().forEach(LoadedModel::close); // nothing serves them yet
            throw e;
        }
        loadedEvent.fire(new ModelsLoaded(List.copyOf(loaded.values())));
        models = Map.copyOf(loaded);
        single = loaded.size() == 1 ? loaded.values().iterator().next() : null;
        state = "loaded";
        ready = true;
    }

    private void loadAll(ModelRegistry registry, Map<String, LoadedModel> loaded) {
        for (String location : config.locations()) {
            long start = System.nanoTime();
            LoadedModel model = registry.load(location);
            if (model.plan() != null && model.plan().hasWindows() && !config.windowFeatures()) {
                model.close();
                throw new ModelLoadException("model " + model.name() + " " + model.version() + " at " + location
                        + " reads window features, which only a stream function keeps (event-score, from Kafka"
                        + " or MSK records: each reading appended once per partition and offset); this function"
                        + " has no stream of readings to keep them from. Serve the model from event-score.");
            }
            if (loaded.put(model.name(), model) != null) {
                throw new ModelLoadException("two models named '" + model.name() + "' in inferfn.model.locations; "
                        + "serve one version per function");
            }
            metrics.modelLoaded(model, System.nanoTime() - start);
            LOG.infof(
                    "Loaded model %s %s (%s, %d bytes, %s) from %s in %d ms: %s",
                    model.name(),
                    model.version(),
                    model.manifest().quantization().json(),
                    model.modelBytes(),
                    model.plan() != null
                            ? model.plan().width() + " features"
                            : "text, at most " + model.text().maxLength() + " tokens",
                    location,
                    (System.nanoTime() - start) / 1_000_000,
                    model.timings());
            String provider = model.onnx().executionProvider();
            if (provider.startsWith("CPU (")) {
                String asked = model.manifest().executionProvider() != null
                        ? "its manifest's \"executionProvider\": \""
                                + model.manifest().executionProvider() + "\""
                        : "inferfn.model.onnx.execution-provider="
                                + config.onnx().executionProvider();
                LOG.warnf(
                        "Model %s runs on the %s; %s needs a GPU, CUDA and ONNX Runtime's GPU build (README \"GPU\")",
                        model.name(), provider, asked);
            } else if (!provider.equals("CPU")) {
                LOG.infof("Model %s runs on %s", model.name(), provider);
            }
        }
    }

    /**
     * The model a request names; with {@code name == null} the only model served.
     *
     * @throws ModelNotFoundException for a name this function does not serve (404)
     * @throws ModelUnavailableException while models are loading or after a failed load (503)
     */
    public LoadedModel resolve(String name) {
        if (!ready) {
            throw new ModelUnavailableException("model not loaded (" + state + ")"
                    + (state.startsWith("failed") ? "; publish a good model and restart" : "; retry shortly"));
        }
        if (name == null) {
            if (single != null) {
                return single;
            }
            throw new InvalidRequestException("'model' is required: this function serves " + names());
        }
        LoadedModel model = models.get(name);
        if (model == null) {
            throw new ModelNotFoundException("unknown model '" + name + "'; this function serves " + names());
        }
        return model;
    }

    /** Whether every configured model is loaded and verified. */
    public boolean ready() {
        return ready;
    }

    /**
     * Waits up to {@code max} for the models to load, for triggers that start before them (a Kafka
     * consumer starts with the application); then {@link #resolve} answers as usual.
     */
    public LoadedModel awaitReady(String name, java.time.Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!ready && state.equals("loading") && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return resolve(name);
    }

    /** "loading", "loaded" or "failed: <reason>". */
    public String state() {
        return state;
    }

    /** The loaded models, in configuration order. */
    public List<LoadedModel> models() {
        return new ArrayList<>(models.values());
    }

    private List<String> names() {
        return new ArrayList<>(models.keySet());
    }
}
