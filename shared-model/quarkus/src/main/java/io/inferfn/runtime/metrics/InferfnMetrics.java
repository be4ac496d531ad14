package io.inferfn.runtime.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.inferfn.model.LoadedModel;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Scorer;

/**
 * The meters every function shares (README "Observability"), and their names. Meters whose tags are
 * known in advance (a model and version, an outcome) are built once, when the model loads, so that a
 * request only increments counters it already holds: no tag lists, no registry look-ups, no
 * allocation per request.
 */
@Singleton
public class InferfnMetrics implements Scorer.Observer {

    /** Counter: every scored row; tags function, model, version, outcome (ok|degraded). */
    public static final String PREDICTIONS = "inferfn.predictions";
    /** Counter (http-predict): requests; tags endpoint (predict|v2), model, version, outcome. */
    public static final String REQUESTS = "inferfn.requests";
    /** Timer (http-predict): request start to response end; tags endpoint, model, version. */
    public static final String REQUEST_DURATION = "inferfn.request.duration";
    /** Timer (http-predict): rows per request; tags endpoint, model, version. */
    public static final String REQUEST_ROWS = "inferfn.request.rows";
    /** Timer: the one Redis round trip of a scoring call; tags function, outcome. */
    public static final String FEATURE_FETCH_DURATION = "inferfn.feature.fetch.duration";
    /** Timer: assembling the model's input tensor; tags function, model, version. */
    public static final String FEATURE_ASSEMBLY_DURATION = "inferfn.feature.assembly.duration";
    /** Timer: the ONNX Runtime call; tags function, model, version. */
    public static final String INFERENCE_DURATION = "inferfn.inference.duration";
    /** Gauge: the Redis circuit breaker, 0 closed, 1 half-open, 2 open. */
    public static final String BREAKER_STATE = "inferfn.feature.breaker.state";
    /** Time gauge: how long loading (reading, verifying, creating the session of) a model took; tags model, version. */
    public static final String MODEL_LOAD_DURATION = "inferfn.model.load.duration";
    /** Time gauge: how long a phase of the cold start took; tag phase. */
    public static final String STARTUP_PHASE_DURATION = "inferfn.startup.phase.duration";

    /** Counter (event-score): readings scored; tags model, version, outcome (ok|degraded). */
    public static final String EVENT_READINGS = "inferfn.events.readings";
    /** Counter (event-score): predictions also sent to the alerts topic; tags model, version. */
    public static final String EVENT_ALERTS = "inferfn.events.alerts";
    /** Counter (event-score): messages sent to the dead-letter topic; tag reason. */
    public static final String EVENT_DEAD_LETTERS = "inferfn.events.dead.letters";
    /** Distribution summary (event-score): messages per poll or event. */
    public static final String EVENT_POLL_SIZE = "inferfn.events.poll.size";
    /** Timer (event-score): scoring one poll or event, outputs handed to the producer. */
    public static final String EVENT_BATCH_DURATION = "inferfn.events.batch.duration";
    /** Timer (event-score): a reading's record timestamp to its prediction handed to the producer. */
    public static final String EVENT_LAG = "inferfn.events.lag";

    /** Counter (batch-score): runs (shards); tag status (succeeded|failed|rejected). */
    public static final String BATCH_RUNS = "inferfn.batch.runs";
    /** Counter (batch-score): rows; tags model, version, kind (read|scored|rejected|degraded). */
    public static final String BATCH_ROWS = "inferfn.batch.rows";
    /** Timer (batch-score): one shard's run; tags model, version, status. */
    public static final String BATCH_SHARD_DURATION = "inferfn.batch.shard.duration";

    /** The SLO buckets of every latency histogram: 1, 2, 5, 10, 25, 50, 100, 250 ms. */
    public static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250)
    };

    /** Outcomes of the one Redis round trip. */
    public enum FetchOutcome {
        OK,
        TIMEOUT,
        ERROR,
        BREAKER_OPEN;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    @Inject
    MeterRegistry registry;

    /** This function's name, the {@code function} tag (http-predict, event-score, batch-score). */
    @ConfigProperty(name = "inferfn.metrics.function", defaultValue = "unknown")
    String function;

    /**
     * Whether inferfn records its meters at all ({@code inferfn.metrics.enabled}, default true). Off, every
     * inferfn meter is a no-op and no score drift is kept; the JVM's and Quarkus' own meters stay.
     */
    @ConfigProperty(name = "inferfn.metrics.enabled", defaultValue = "true")
    boolean enabled = true;

    private volatile ModelMeters[] models = new ModelMeters[0];
    private volatile Timer[] fetch;
    /** Set by the first scored call: the registries Quarkus adds at start are all in by then. */
    private volatile boolean settled;

    private MeterRegistry off;
    private MeterRegistry fetchRegistry;

    /** Meters in {@code registry} tagged {@code function}, for code (and tests) outside CDI. */
    public static InferfnMetrics of(MeterRegistry registry, String function) {
        InferfnMetrics metrics = new InferfnMetrics();
        metrics.registry = registry;
        metrics.function = function;
        return metrics;
    }

    /**
     * The registry, for a function's own meters: the one registry behind Quarkus' global composite when
     * there is exactly one (Prometheus in a container, EMF on Lambda). A meter of the composite forwards
     * every increment through an iterator over its children, allocated per call: measurable at
     * /predict's rate. Quarkus may add its registries after the models load (the start-up steps are not
     * ordered against each other), so the meters built before then are built again on the first scored
     * call ({@link #settle()}). With {@code inferfn.metrics.enabled=false}, a registry that denies every
     * meter: each is a no-op.
     */
    public MeterRegistry registry() {
        if (!enabled) {
            return off();
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            Set<MeterRegistry> children = composite.getRegistries();
            if (children.size() == 1) {
                return children.iterator().next();
            }
        }
        return registry;
    }

    /** Whether inferfn's meters record ({@code inferfn.metrics.enabled}). */
    public boolean enabled() {
        return enabled;
    }

    private synchronized MeterRegistry off() {
        if (off == null) {
            SimpleMeterRegistry none = new SimpleMeterRegistry();
            none.config().meterFilter(MeterFilter.deny());
            off = none;
        }
        return off;
    }

    /**
     * Builds again, on {@link #registry()} as it is now, the meters built while Quarkus' composite registry
     * was still empty: once, on the first scored call, when the start is over. The feature-fetch timers are
     * replaced in the array their store holds.
     */
    private synchronized void settle() {
        if (settled) {
            return;
        }
        MeterRegistry now = registry();
        ModelMeters[] rebuilt = models.clone();
        for (int i = 0; i < rebuilt.length; i++) {
            if (rebuilt[i].registry != now) {
                rebuilt[i] = new ModelMeters(this, rebuilt[i].model);
            }
        }
        models = rebuilt;
        Timer[] timers = fetch;
        if (timers != null && fetchRegistry != now) {
            FetchOutcome[] outcomes = FetchOutcome.values();
            for (FetchOutcome o : outcomes) {
                timers[o.ordinal()] = latency(FEATURE_FETCH_DURATION, "function", function, "outcome", o.tag);
            }
            fetchRegistry = now;
        }
        settled = true;
    }

    /** The {@code function} tag's value. */
    public String function() {
        return function;
    }

    /** A timer with the SLO buckets. */
    public Timer latency(String name, String... tags) {
        return Timer.builder(name)
                .tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry());
    }

    /** Records that {@code model} loaded in {@code nanos}; builds its meters. */
    public synchronized ModelMeters modelLoaded(LoadedModel model, long nanos) {
        ModelMeters meters = forModel(model);
        TimeGauge.builder(MODEL_LOAD_DURATION, () -> nanos, TimeUnit.NANOSECONDS)
                .tags("model", model.name(), "version", model.version())
                .description("how long loading the model took (read, verify, create the ONNX Runtime session)")
                .strongReference(true)
                .register(registry());
        return meters;
    }

    /** Records a cold-start phase's duration. */
    public void startupPhase(String phase, long nanos) {
        TimeGauge.builder(STARTUP_PHASE_DURATION, () -> nanos, TimeUnit.NANOSECONDS)
                .tag("phase", phase)
                .description("how long a phase of the cold start took")
                .strongReference(true)
                .register(registry());
    }

    /** The meters of {@code model}, built on first sight (at load); one identity scan of a few entries after. */
    public ModelMeters forModel(LoadedModel model) {
        ModelMeters[] known = models;
        for (ModelMeters m : known) {
            if (m.model == model) {
                return m;
            }
        }
        return create(model);
    }

    private synchronized ModelMeters create(LoadedModel model) {
        for (ModelMeters m : models) {
            if (m.model == model) {
                return m;
            }
        }
        ModelMeters m = new ModelMeters(this, model);
        ModelMeters[] grown = Arrays.copyOf(models, models.length + 1);
        grown[grown.length - 1] = m;
        models = grown;
        return m;
    }

    /** The feature-fetch timers, by {@link FetchOutcome#ordinal()}. */
    public Timer[] fetchTimers() {
        Timer[] timers = fetch;
        if (timers == null) {
            synchronized (this) {
                if (fetch == null) {
                    FetchOutcome[] outcomes = FetchOutcome.values();
                    Timer[] built = new Timer[outcomes.length];
                    for (FetchOutcome o : outcomes) {
                        built[o.ordinal()] = latency(FEATURE_FETCH_DURATION, "function", function, "outcome", o.tag);
                    }
                    fetchRegistry = registry();
                    fetch = built;
                }
                timers = fetch;
            }
        }
        return timers;
    }

    /** Registers the circuit breaker's state gauge over {@code state} (0 closed, 1 half-open, 2 open). */
    public <T> void breaker(T source, java.util.function.ToDoubleFunction<T> state) {
        Gauge.builder(BREAKER_STATE, source, state)
                .description("the Redis circuit breaker: 0 closed, 1 half-open, 2 open")
                .strongReference(true) // Micrometer holds gauge sources weakly by default
                .register(registry());
    }

    @Override
    public void scored(LoadedModel model, List<Prediction> predictions, long assemblyNanos, long inferenceNanos) {
        if (!settled) {
            settle();
        }
        ModelMeters m = forModel(model);
        int degraded = 0;
        for (int i = 0, n = predictions.size(); i < n; i++) {
            if (predictions.get(i).degraded()) {
                degraded++;
            }
        }
        if (degraded > 0) {
            m.degraded.increment(degraded);
        }
        if (degraded < predictions.size()) {
            m.ok.increment(predictions.size() - degraded);
        }
        m.assembly.record(assemblyNanos, TimeUnit.NANOSECONDS);
        m.inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** A text model's call: its texts count as rows scored, tokenizing as assembly, ORT and pooling as inference. */
    @Override
    public void scoredTexts(LoadedModel model, int texts, long tokenizeNanos, long inferenceNanos) {
        if (!settled) {
            settle();
        }
        ModelMeters m = forModel(model);
        m.ok.increment(texts);
        m.assembly.record(tokenizeNanos, TimeUnit.NANOSECONDS);
        m.inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** The meters of one model (name and version), built once. */
    public static final class ModelMeters {
        final LoadedModel model;
        final MeterRegistry registry;
        final Counter ok;
        final Counter degraded;
        final Timer assembly;
        final Timer inference;

        ModelMeters(InferfnMetrics metrics, LoadedModel model) {
            this.model = model;
            String[] tags = {"function", metrics.function, "model", model.name(), "version", model.version()};
            MeterRegistry registry = metrics.registry();
            this.registry = registry;
            this.ok = Counter.builder(PREDICTIONS)
                    .tags(tags)
                    .tag("outcome", "ok")
                    .description("rows scored")
                    .register(registry);
            this.degraded = Counter.builder(PREDICTIONS)
                    .tags(tags)
                    .tag("outcome", "degraded")
                    .description("rows scored")
                    .register(registry);
            this.assembly = metrics.latency(FEATURE_ASSEMBLY_DURATION, tags);
            this.inference = metrics.latency(INFERENCE_DURATION, tags);
        }

        /** The model these meters count. */
        public LoadedModel model() {
            return model;
        }
    }

    /** A distribution summary, for sizes. */
    public DistributionSummary summary(String name, String description, String... tags) {
        return DistributionSummary.builder(name)
                .tags(tags)
                .description(description)
                .register(registry());
    }
}
