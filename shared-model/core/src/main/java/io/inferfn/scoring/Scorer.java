package io.inferfn.scoring;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import ai.onnxruntime.OrtException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import io.inferfn.features.FeaturePlan;
import io.inferfn.features.FeatureScratch;
import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;
import io.inferfn.features.WindowUpdate;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelChain;
import io.inferfn.model.ModelIo;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.OnnxModel;

/**
 * request -> features -> tensor -> ONNX Runtime -> prediction, for one row or a batch of rows in
 * one feature-store round trip and one ORT call. Every trigger (HTTP, Kafka, SQS, schedule) scores
 * through this class.
 *
 * <p>Validation happens before any I/O, so a bad row costs no Redis call; a batch with one bad row
 * is rejected whole, with the row's index in the message. Rows come from a {@link RowOrigin}: a
 * caller's rows (the default) may not carry store-only features; trusted batch sources may.
 *
 * <p>A score that is not a finite number (NaN or infinity from the model) never gets a label: a
 * strict call fails with a {@link NonFiniteScoreException} (a 500 with an error id), a lenient one
 * hands the row to its rejects.
 *
 * <p>With a {@link Tracer} (tracing on), the feature-store round trip and the ORT call are spans,
 * children of whatever span is current (the HTTP server span, the Kafka poll's span); without one
 * (tracing off), the path has no tracing code beyond two null checks.
 */
public final class Scorer {

    private static final StoreReply NOTHING_TO_FETCH = StoreReply.of(new String[0][]);

    /** Span attribute: the model's name. */
    public static final AttributeKey<String> MODEL = AttributeKey.stringKey("inferfn.model");
    /** Span attribute: the model's version. */
    public static final AttributeKey<String> VERSION = AttributeKey.stringKey("inferfn.model.version");
    /** Span attribute: rows in the call. */
    public static final AttributeKey<Long> ROWS = AttributeKey.longKey("inferfn.rows");
    /** Span attribute: keys read in the store round trip. */
    public static final AttributeKey<Long> KEYS = AttributeKey.longKey("inferfn.feature_store.keys");
    /** Span attribute: why the store did not answer (the rows were scored degraded). */
    public static final AttributeKey<String> UNAVAILABLE = AttributeKey.stringKey("inferfn.feature_store.unavailable");

    /** Span name of the feature-store round trip. */
    public static final String FETCH_SPAN = "feature-store fetch";
    /** Span name of the ONNX Runtime call. */
    public static final String INFERENCE_SPAN = "onnxruntime run";

    private final FeatureStore store;
    private final Pattern keyValues;
    private final Observer observer;

    /**
     * Told of every scoring call, for metrics: called once per call (not per row) on the scoring
     * thread, after the predictions are made. It must be cheap and must not throw.
     */
    @FunctionalInterface
    public interface Observer {
        /** Observes nothing. */
        Observer NONE = (model, predictions, assemblyNanos, inferenceNanos) -> {};

        /**
         * @param model the model that scored
         * @param predictions the rows scored, in order (rows rejected are not in it)
         * @param assemblyNanos time spent assembling the model's input tensor from request and store values
         * @param inferenceNanos time spent inside ONNX Runtime
         */
        void scored(LoadedModel model, List<Prediction> predictions, long assemblyNanos, long inferenceNanos);

        /**
         * A text model scored {@code texts} texts.
         *
         * @param tokenizeNanos time spent tokenizing (a text model's input assembly)
         * @param inferenceNanos time spent in ONNX Runtime and pooling
         */
        default void scoredTexts(LoadedModel model, int texts, long tokenizeNanos, long inferenceNanos) {}
    }

    private final Tracer tracer;

    /** A scorer whose entity ids must match {@link FeaturePlan#DEFAULT_KEY_VALUE_PATTERN}. */
    public Scorer(FeatureStore store) {
        this(store, FeaturePlan.DEFAULT_KEY_VALUE_PATTERN);
    }

    /**
     * @param keyValues what an entity id, and any string feature that fills a Redis key
     *     placeholder, must match (they become part of key names)
     */
    public Scorer(FeatureStore store, Pattern keyValues) {
        this(store, keyValues, Observer.NONE, null);
    }

    /**
     * @param keyValues what an entity id, and any string feature that fills a Redis key
     *     placeholder, must match (they become part of key names)
     * @param observer told of every scoring call, for metrics ({@link Observer#NONE} for none)
     * @param tracer where the store round trip and ORT call spans go, or null for no spans (tracing off)
     */
    public Scorer(FeatureStore store, Pattern keyValues, Observer observer, Tracer tracer) {
        this.store = store;
        this.keyValues = keyValues;
        this.observer = observer;
        this.tracer = tracer;
    }

    /** Scores one caller's row. */
    public Prediction score(LoadedModel model, Row row) {
        return scoreBatch(model, List.of(row), false, RowOrigin.CALLER).get(0);
    }

    /** Scores a caller's {@code rows} with one store round trip and one ORT call; predictions in row order. */
    public List<Prediction> scoreBatch(LoadedModel model, List<? extends Row> rows) {
        return scoreBatch(model, rows, true, RowOrigin.CALLER);
    }

    /** Scores {@code rows} from {@code origin} with one store round trip and one ORT call; in row order. */
    public List<Prediction> scoreBatch(LoadedModel model, List<? extends Row> rows, RowOrigin origin) {
        return scoreBatch(model, rows, true, origin);
    }

    /**
     * Begins scoring one caller's row without blocking: see {@link Call}.
     *
     * @throws InvalidRequestException as {@link #score} does, before any I/O
     */
    public Call begin(LoadedModel model, Row row) {
        return begin(model, List.of(row), false);
    }

    /**
     * Begins scoring a caller's {@code rows} (one store round trip, one ORT call) without blocking: see
     * {@link Call}.
     *
     * @throws InvalidRequestException as {@link #scoreBatch} does, before any I/O
     */
    public Call beginBatch(LoadedModel model, List<? extends Row> rows) {
        return begin(model, rows, true);
    }

    private Call begin(LoadedModel model, List<? extends Row> rows, boolean batch) {
        int count = rows.size();
        if (model.chain() != null) {
            return beginChain(model, rows, batch);
        }
        FeaturePlan plan = model.plan();
        FeatureScratch scratch = plan.borrowScratch(count);
        try {
            for (int r = 0; r < count; r++) {
                plan.readRequest(rows.get(r), r, scratch, batch ? r : -1, RowOrigin.CALLER, keyValues);
            }
            int keys = count == 0 ? 0 : plan.storeKeys(rows, scratch);
            return new Call(model, rows, scratch, keys, batch);
        } catch (RuntimeException e) {
            plan.returnScratch(scratch);
            throw e;
        }
    }

    private Call beginChain(LoadedModel model, List<? extends Row> rows, boolean batch) {
        int count = rows.size();
        ChainCall chain = new ChainCall(model.chain(), count);
        try {
            for (int r = 0; r < count; r++) {
                chain.read(rows.get(r), r, batch ? r : -1, RowOrigin.CALLER, keyValues);
            }
            int keys = count == 0 ? 0 : chain.keys(rows);
            return new Call(model, rows, null, keys, batch, chain);
        } catch (RuntimeException e) {
            chain.release();
            throw e;
        }
    }

    /**
     * One scoring call split at its store round trip, for a caller that must not block (an HTTP event loop):
     * {@link Scorer#begin} validated the rows and listed the keys; {@link #fetch} starts the round trip and
     * calls back when the reply is in (on the caller's event loop, see {@link FeatureStore#fetchAsync});
     * {@link #finish} then assembles the inputs and runs ORT on whichever thread calls it, inline on the
     * event loop or on a worker for a model too slow for one. The same scoring as {@link #score} and
     * {@link #scoreBatch}: same errors, metrics and spans. The call holds working arrays of its own from
     * begin to finish, so calls interleaved on one thread do not share them; call {@link #finish} (or
     * {@link #abandon}) exactly once.
     */
    public final class Call implements Consumer<StoreReply> {
        private final LoadedModel model;
        private final List<? extends Row> rows;
        private final FeatureScratch scratch;
        private final int keys;
        private final boolean batch;
        /** A chained model's stages, else null. */
        private final ChainCall chain;

        private StoreReply reply;
        private Consumer<Call> ready;
        private Span fetchSpan;
        private Context parent;

        Call(LoadedModel model, List<? extends Row> rows, FeatureScratch scratch, int keys, boolean batch) {
            this(model, rows, scratch, keys, batch, null);
        }

        Call(
                LoadedModel model,
                List<? extends Row> rows,
                FeatureScratch scratch,
                int keys,
                boolean batch,
                ChainCall chain) {
            this.model = model;
            this.rows = rows;
            this.scratch = scratch;
            this.keys = keys;
            this.batch = batch;
            this.chain = chain;
        }

        /** The model that scores. */
        public LoadedModel model() {
            return model;
        }

        /** Rows in the call. */
        public int rows() {
            return rows.size();
        }

        /**
         * Starts the one store round trip (none when no key is needed) and calls {@code ready} once its reply
         * is in, faults included (they are a degraded reply). {@code ready} must not throw.
         */
        public void fetch(Consumer<Call> ready) {
            if (keys == 0 || rows.isEmpty()) {
                reply = NOTHING_TO_FETCH;
                ready.accept(this);
                return;
            }
            this.ready = ready;
            if (tracer != null) {
                parent = Context.current();
                fetchSpan = span(FETCH_SPAN, SpanKind.CLIENT, model, rows.size());
                fetchSpan.setAttribute(KEYS, keys);
                fetchSpan.setAttribute("db.system", "redis");
            }
            if (chain != null) {
                store.fetchAsync(chain.keyArray(), chain.fieldArray(), keys, this);
            } else {
                store.fetchAsync(scratch.keys(), scratch.fields(), keys, this);
            }
        }

        /** The store's reply: ends the fetch span and hands the call to its {@code ready}. */
        @Override
        public void accept(StoreReply reply) {
            this.reply = reply;
            if (fetchSpan != null) {
                if (!reply.available()) {
                    fetchSpan.setAttribute(UNAVAILABLE, reply.unavailableReason());
                }
                fetchSpan.end();
            }
            ready.accept(this);
        }

        /**
         * Assembles the inputs from the request and the reply, runs ORT and returns the predictions in row
         * order, on the calling thread; the call's working arrays go back to the model's plan.
         *
         * @throws NonFiniteScoreException when the model scores a row NaN or infinite
         * @throws ScoringException when ONNX Runtime fails
         */
        public List<Prediction> finish() {
            if (chain != null) {
                try {
                    return rows.isEmpty() ? List.of() : runChain(chain, rows, reply, null, null, batch, parent);
                } finally {
                    chain.release();
                }
            }
            try {
                if (rows.isEmpty()) {
                    return List.of();
                }
                return run(model, rows, model.plan(), scratch, reply, null, null, batch, parent);
            } finally {
                model.plan().returnScratch(scratch);
            }
        }

        /** Gives the call's working arrays back without scoring (the caller went away). */
        public void abandon() {
            if (chain != null) {
                chain.release();
                return;
            }
            model.plan().returnScratch(scratch);
        }
    }

    /**
     * Scores {@code texts} with a text model ({@link LoadedModel#text()}): tokenized, one ORT call for all of them
     * (padded to the longest), an embedding or class probabilities per text, in order. Runs on the calling thread; a
     * deep model's call takes milliseconds, so HTTP runs it on a worker.
     *
     * @throws InvalidRequestException when the model is not a text model
     * @throws PayloadTooLargeException when a text is over the model's maximum length and it does not truncate
     * @throws ScoringException when ONNX Runtime fails
     */
    public List<io.inferfn.model.TextModel.Result> scoreTexts(LoadedModel model, List<String> texts) {
        io.inferfn.model.TextModel text = textModel(model);
        long start = System.nanoTime();
        List<io.inferfn.model.TextTokenizer.Encoded> encoded = text.tokenizer().encode(texts);
        return runTexts(model, text, encoded, texts.size() > 1, start);
    }

    /** Receives the texts of a lenient batch that were not scored, with the reason. */
    @FunctionalInterface
    public interface TextRejects {
        /**
         * @param index the text's index in the batch
         * @param reason what was wrong with it and what was expected
         */
        void reject(int index, String reason);
    }

    /**
     * Scores the texts of {@code texts} that the model takes, in one ORT call, and hands each one it does not take (over
     * its maximum length when its manifest sets {@code text.truncation} false) to {@code rejects} instead of failing the
     * batch: for sources where one bad text must not stop the others (message batches, batch jobs). A text over the
     * maximum of a model that truncates is cut, never rejected.
     *
     * @return per text, in order: its result, or null for a text handed to {@code rejects}
     * @throws InvalidRequestException when the model is not a text model
     * @throws ScoringException when ONNX Runtime fails
     */
    public List<io.inferfn.model.TextModel.Result> scoreValidTexts(
            LoadedModel model, List<String> texts, TextRejects rejects) {
        io.inferfn.model.TextModel text = textModel(model);
        long start = System.nanoTime();
        List<io.inferfn.model.TextTokenizer.Encoded> encoded = text.tokenizer().encode(texts);
        List<io.inferfn.model.TextTokenizer.Encoded> valid = new ArrayList<>(encoded.size());
        int[] index = new int[encoded.size()];
        for (int i = 0; i < encoded.size(); i++) {
            io.inferfn.model.TextTokenizer.Encoded e = encoded.get(i);
            if (e.ids().length > text.maxLength()) { // only a model that does not truncate leaves a text this long
                rejects.reject(
                        i,
                        "the text is " + e.ids().length + " tokens; model " + model.name() + " " + model.version()
                                + " takes at most " + text.maxLength()
                                + " (its manifest sets text.truncation false: shorten the text)");
            } else {
                index[valid.size()] = i;
                valid.add(e);
            }
        }
        List<io.inferfn.model.TextModel.Result> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(null);
        }
        if (valid.isEmpty()) {
            return out;
        }
        List<io.inferfn.model.TextModel.Result> scored = runTexts(model, text, valid, true, start);
        for (int v = 0; v < scored.size(); v++) {
            out.set(index[v], scored.get(v));
        }
        return out;
    }

    private static io.inferfn.model.TextModel textModel(LoadedModel model) {
        io.inferfn.model.TextModel text = model.text();
        if (text == null) {
            throw new InvalidRequestException("model " + model.name() + " is not a text model: send 'entityId' and"
                    + " 'features' (or 'rows'), not text");
        }
        return text;
    }

    /** One ORT call for {@code encoded} (tokenizing began at {@code start}), observed and traced. */
    private List<io.inferfn.model.TextModel.Result> runTexts(
            LoadedModel model,
            io.inferfn.model.TextModel text,
            List<io.inferfn.model.TextTokenizer.Encoded> encoded,
            boolean batch,
            long start) {
        Span inference = tracer == null ? null : span(INFERENCE_SPAN, SpanKind.INTERNAL, model, encoded.size(), null);
        try {
            long tokenized = System.nanoTime();
            List<io.inferfn.model.TextModel.Result> results = text.run(encoded, batch);
            observer.scoredTexts(model, encoded.size(), tokenized - start, System.nanoTime() - tokenized);
            return results;
        } catch (OrtException e) {
            if (inference != null) {
                inference.setStatus(StatusCode.ERROR, "ONNX Runtime failed");
            }
            throw new ScoringException(
                    "ONNX Runtime failed to score " + encoded.size() + " text(s) with model " + model.name() + " "
                            + model.version() + ": " + e.getMessage(),
                    e);
        } finally {
            if (inference != null) {
                inference.end();
            }
        }
    }

    /** Receives the rows of a lenient batch that were not scored, with the reason. */
    @FunctionalInterface
    public interface Rejects {
        /**
         * @param index the row's index in the batch
         * @param row the row
         * @param reason what was wrong with it and what was expected
         */
        void reject(int index, Row row, String reason);
    }

    /**
     * Scores the valid rows of a caller's {@code rows} (messages) and hands each invalid one to
     * {@code rejects}: {@link #scoreValid(LoadedModel, List, RowOrigin, Rejects)} from {@link
     * RowOrigin#CALLER}.
     */
    public List<Prediction> scoreValid(LoadedModel model, List<? extends Row> rows, Rejects rejects) {
        return scoreValid(model, rows, RowOrigin.CALLER, rejects);
    }

    /**
     * Scores the valid rows of {@code rows} (one store round trip, one ORT call) and hands each
     * invalid one to {@code rejects} instead of failing the batch: for sources where one bad row
     * must not stop the others (batch jobs, message batches). A row the model scores NaN or
     * infinite is rejected too. Predictions come in row order, scored rows only; each names its
     * row's entity id.
     */
    public List<Prediction> scoreValid(LoadedModel model, List<? extends Row> rows, RowOrigin origin, Rejects rejects) {
        int count = rows.size();
        if (count == 0) {
            return List.of();
        }
        if (model.chain() != null) {
            return chainValid(model, rows, origin, rejects);
        }
        FeaturePlan plan = model.plan();
        FeatureScratch scratch = plan.scratch(count);
        List<Row> valid = new ArrayList<>(count);
        int[] index = new int[count];
        for (int r = 0; r < count; r++) {
            Row row = rows.get(r);
            try {
                plan.readRequest(row, valid.size(), scratch, -1, origin, keyValues);
                index[valid.size()] = r;
                valid.add(row);
            } catch (InvalidRequestException e) {
                scratch.clearRow(valid.size());
                rejects.reject(r, row, e.getMessage());
            }
        }
        if (valid.isEmpty()) {
            return List.of();
        }
        return score(model, valid, plan, scratch, rejects, index, false);
    }

    private List<Prediction> scoreBatch(LoadedModel model, List<? extends Row> rows, boolean batch, RowOrigin origin) {
        int count = rows.size();
        if (count == 0) {
            return List.of();
        }
        if (model.chain() != null) {
            return chainBatch(model, rows, batch, origin);
        }
        FeaturePlan plan = model.plan();
        FeatureScratch scratch = plan.scratch(count);
        for (int r = 0; r < count; r++) {
            plan.readRequest(rows.get(r), r, scratch, batch ? r : -1, origin, keyValues);
        }
        return score(model, rows, plan, scratch, null, null, batch);
    }

    private List<Prediction> chainBatch(LoadedModel model, List<? extends Row> rows, boolean batch, RowOrigin origin) {
        ChainCall chain = new ChainCall(model.chain(), rows.size());
        try {
            for (int r = 0; r < rows.size(); r++) {
                chain.read(rows.get(r), r, batch ? r : -1, origin, keyValues);
            }
            return runChain(chain, rows, fetch(model, chain, rows), null, null, batch, null);
        } finally {
            chain.release();
        }
    }

    private List<Prediction> chainValid(
            LoadedModel model, List<? extends Row> rows, RowOrigin origin, Rejects rejects) {
        int count = rows.size();
        ChainCall chain = new ChainCall(model.chain(), count);
        try {
            List<Row> valid = new ArrayList<>(count);
            int[] index = new int[count];
            for (int r = 0; r < count; r++) {
                Row row = rows.get(r);
                try {
                    chain.read(row, valid.size(), -1, origin, keyValues);
                    index[valid.size()] = r;
                    valid.add(row);
                } catch (InvalidRequestException e) {
                    chain.clearRow(valid.size());
                    rejects.reject(r, row, e.getMessage());
                }
            }
            if (valid.isEmpty()) {
                return List.of();
            }
            return runChain(chain, valid, fetch(model, chain, valid), rejects, index, false, null);
        } finally {
            chain.release();
        }
    }

    /** The one store round trip of a chained call: every stage's keys. */
    private StoreReply fetch(LoadedModel model, ChainCall chain, List<? extends Row> rows) {
        int keys = chain.keys(rows);
        if (keys == 0) {
            return NOTHING_TO_FETCH;
        }
        if (tracer == null) {
            return store.fetch(chain.keyArray(), chain.fieldArray(), keys);
        }
        return tracedFetch(model, chain.keyArray(), chain.fieldArray(), keys, rows.size(), null);
    }

    /**
     * Scores a chain's stages in order on rows already read, each stage's model features filled from the
     * earlier stages' predictions, and returns the last stage's predictions with the earlier ones as their
     * {@link Prediction#stages()}. A row an earlier stage rejects (lenient calls) is rejected once, with that
     * stage's reason; a strict call fails as the stage fails.
     */
    private List<Prediction> runChain(
            ChainCall chain,
            List<? extends Row> rows,
            StoreReply reply,
            Rejects rejects,
            int[] index,
            boolean batch,
            Context parent) {
        int count = rows.size();
        LoadedModel[] stages = chain.stages;
        int last = stages.length - 1;
        Prediction[][] byStage = new Prediction[stages.length][count];
        boolean[] rejected = rejects == null ? null : new boolean[count];
        int[] identity = null;
        if (rejects != null) {
            identity = new int[count];
            for (int r = 0; r < count; r++) {
                identity[r] = r;
            }
        }
        for (int s = 0; s < stages.length; s++) {
            LoadedModel stage = stages[s];
            FeaturePlan plan = stage.plan();
            FeatureScratch scratch = chain.scratch[s];
            for (ModelChain.Link link : chain.chain.links(s)) {
                Prediction[] from = byStage[link.from()];
                for (int r = 0; r < count; r++) {
                    feed(plan, scratch, r, link, from[r]);
                }
            }
            boolean[] now = rejects == null ? null : new boolean[count];
            Rejects stageRejects = null;
            if (rejects != null) {
                String prefix =
                        s == last ? "" : "model " + stage.name() + " (scored first for " + stages[last].name() + "): ";
                stageRejects = (r, row, reason) -> {
                    now[r] = true;
                    if (!rejected[r]) {
                        rejected[r] = true;
                        rejects.reject(index[r], row, prefix + reason);
                    }
                };
            }
            List<Prediction> made =
                    run(stage, rows, plan, scratch, chain.reply(reply, s), stageRejects, identity, batch, parent);
            Prediction[] mine = byStage[s];
            int k = 0;
            for (int r = 0; r < count; r++) {
                if (now == null || !now[r]) {
                    mine[r] = made.get(k++);
                }
            }
        }
        List<Prediction> predictions = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            if (rejected != null && rejected[r]) {
                continue;
            }
            Prediction p = byStage[last][r];
            List<Prediction.Stage> earlier = new ArrayList<>(last);
            boolean degraded = p.degraded();
            for (int s = 0; s < last; s++) {
                Prediction q = byStage[s][r];
                degraded |= q.degraded();
                earlier.add(new Prediction.Stage(
                        stages[s].name(),
                        stages[s].version(),
                        q.score(),
                        q.label(),
                        q.degraded(),
                        q.missingFeatures(),
                        q.probabilities()));
            }
            predictions.add(new Prediction(
                    p.entityId(), p.score(), p.label(), degraded, p.missingFeatures(), p.probabilities(), earlier));
        }
        return predictions;
    }

    /** Fills a model feature of row {@code r} from the upstream prediction (null: the row was rejected there). */
    private static void feed(
            FeaturePlan plan, FeatureScratch scratch, int r, ModelChain.Link link, Prediction upstream) {
        switch (link.read()) {
            case SCORE ->
                plan.feed(scratch, r, link.feature(), upstream == null ? link.defaultNum() : upstream.score());
            case LABEL ->
                plan.feed(
                        scratch,
                        r,
                        link.feature(),
                        upstream == null || upstream.label() == null ? link.defaultStr() : upstream.label());
            case ENCODED_LABEL -> {
                Double v = upstream == null || upstream.label() == null
                        ? null
                        : link.encoding().get(upstream.label());
                plan.feed(scratch, r, link.feature(), v == null ? link.defaultNum() : v);
            }
            case PROBABILITY -> {
                Float p = upstream == null || upstream.probabilities() == null
                        ? null
                        : upstream.probabilities().get(link.className());
                plan.feed(scratch, r, link.feature(), p == null ? link.defaultNum() : p);
            }
        }
    }

    private StoreReply tracedFetch(
            LoadedModel model, FeatureScratch scratch, int keys, int rows, WindowUpdate windows) {
        return tracedFetch(model, scratch.keys(), scratch.fields(), keys, rows, windows);
    }

    private StoreReply tracedFetch(
            LoadedModel model, String[] keyNames, String[][] fields, int keys, int rows, WindowUpdate windows) {
        Span span = span(FETCH_SPAN, SpanKind.CLIENT, model, rows);
        span.setAttribute(KEYS, keys);
        span.setAttribute("db.system", "redis");
        try {
            StoreReply reply = store.fetch(keyNames, fields, keys, windows);
            if (!reply.available()) {
                span.setAttribute(UNAVAILABLE, reply.unavailableReason());
            }
            return reply;
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    private Span span(String name, SpanKind kind, LoadedModel model, long rows) {
        return span(name, kind, model, rows, null);
    }

    private Span span(String name, SpanKind kind, LoadedModel model, long rows, Context parent) {
        SpanBuilder builder = tracer.spanBuilder(name);
        if (parent != null) {
            builder.setParent(parent);
        }
        return builder.setSpanKind(kind)
                .setAttribute(MODEL, model.name())
                .setAttribute(VERSION, model.version())
                .setAttribute(ROWS, rows)
                .startSpan();
    }

    private static String nonFinite(LoadedModel model, float score) {
        return "model " + model.name() + " " + model.version() + " returned " + score
                + " for this row, which is not a score; no prediction or label is given";
    }

    /**
     * Fetches, assembles and runs rows whose request features are already in {@code scratch}. A
     * row the model scores NaN or infinite goes to {@code rejects} (as row {@code index[r]} of the
     * caller's list) and not into the predictions; without rejects it fails the call.
     */
    private List<Prediction> score(
            LoadedModel model,
            List<? extends Row> rows,
            FeaturePlan plan,
            FeatureScratch scratch,
            Rejects rejects,
            int[] index,
            boolean batch) {
        int count = rows.size();
        int keys = plan.storeKeys(rows, scratch);
        WindowUpdate windows = plan.windowUpdate(rows, scratch);
        StoreReply reply;
        if (keys == 0 && windows == null) {
            reply = NOTHING_TO_FETCH;
        } else if (tracer == null) {
            reply = store.fetch(scratch.keys(), scratch.fields(), keys, windows);
        } else {
            reply = tracedFetch(model, scratch, keys, count, windows);
        }
        return run(model, rows, plan, scratch, reply, rejects, index, batch, null);
    }

    /**
     * Assembles rows whose request features are in {@code scratch} with the store's {@code reply}, runs ORT
     * and reads the predictions, on the calling thread.
     *
     * @param parent the trace context the ORT span belongs to, or null for the current one
     */
    private List<Prediction> run(
            LoadedModel model,
            List<? extends Row> rows,
            FeaturePlan plan,
            FeatureScratch scratch,
            StoreReply reply,
            Rejects rejects,
            int[] index,
            boolean batch,
            Context parent) {
        if (model.onnx().io() != null) {
            return runGeneral(model, model.onnx().io(), rows, plan, scratch, reply, rejects, index, batch, parent);
        }
        int count = rows.size();
        ModelManifest.OutputSpec spec = model.manifest().output();
        int column = spec.columnIndex();
        List<Prediction> predictions = new ArrayList<>(count);
        long assembled;
        long inferred;
        try (OnnxModel.Run run = model.onnx().begin(count)) {
            long start = System.nanoTime();
            FloatBuffer input = run.input();
            for (int r = 0; r < count; r++) {
                plan.assemble(r, reply, scratch, input);
            }
            long ready = System.nanoTime();
            FloatBuffer output;
            Span inference = tracer == null ? null : span(INFERENCE_SPAN, SpanKind.INTERNAL, model, count, parent);
            try {
                output = run.execute();
                inferred = System.nanoTime() - ready;
                assembled = ready - start;
            } catch (OrtException e) {
                if (inference != null) {
                    inference.setStatus(StatusCode.ERROR, "ONNX Runtime failed");
                }
                throw new ScoringException(
                        "ONNX Runtime failed to score " + count + " row(s) with model " + model.name() + " "
                                + model.version() + ": " + e.getMessage(),
                        e);
            } finally {
                if (inference != null) {
                    inference.end();
                }
            }
            int stride = run.stride();
            ScoreDrift drift = model.drift();
            AtomicLongArray driftBins = drift == null ? null : drift.bins();
            if (column >= stride) {
                throw new ScoringException(
                        "model " + model.name() + " returned " + stride + " column(s); the manifest" + " reads column "
                                + column,
                        null);
            }
            for (int r = 0; r < count; r++) {
                float score = output.get(r * stride + column);
                if (!Float.isFinite(score)) {
                    if (rejects == null) {
                        throw new NonFiniteScoreException((batch ? "rows[" + r + "]: " : "") + nonFinite(model, score));
                    }
                    rejects.reject(index[r], rows.get(r), nonFinite(model, score));
                    continue;
                }
                if (driftBins != null) {
                    drift.record(driftBins, score);
                }
                predictions.add(new Prediction(
                        rows.get(r).entityId(), score, label(spec, score), scratch.degraded(r), scratch.missing(r)));
            }
            if (drift != null) {
                drift.counted(predictions.size());
            }
        }
        observer.scored(model, predictions, assembled, inferred);
        return predictions;
    }

    /**
     * {@link #run} for a model beyond one float32 tensor and a binary score ({@link ModelIo}): the rows' values go to
     * each of its inputs by type, and the output is read by its kind. A value that does not fit its input (a
     * fraction for an int64 input) fails a strict call and rejects the row of a lenient one.
     */
    private List<Prediction> runGeneral(
            LoadedModel model,
            ModelIo io,
            List<? extends Row> rows,
            FeaturePlan plan,
            FeatureScratch scratch,
            StoreReply reply,
            Rejects rejects,
            int[] index,
            boolean batch,
            Context parent) {
        int count = rows.size();
        ModelManifest.OutputSpec spec = model.manifest().output();
        long start = System.nanoTime();
        ModelIo.Inputs inputs = io.inputs(count);
        int[] scratchRow = new int[count];
        int n = 0;
        for (int r = 0; r < count; r++) {
            try {
                plan.assemble(r, reply, scratch, inputs, n);
                scratchRow[n++] = r;
            } catch (InvalidRequestException e) {
                if (rejects == null) {
                    throw batch ? new InvalidRequestException("rows[" + r + "]: " + e.getMessage()) : e;
                }
                rejects.reject(index[r], rows.get(r), e.getMessage());
            }
        }
        List<Prediction> predictions = new ArrayList<>(n);
        if (n == 0) {
            return predictions;
        }
        inputs.rows(n);
        long ready = System.nanoTime();
        ModelIo.Outputs out;
        Span inference = tracer == null ? null : span(INFERENCE_SPAN, SpanKind.INTERNAL, model, n, parent);
        try {
            out = io.run(inputs);
        } catch (OrtException e) {
            if (inference != null) {
                inference.setStatus(StatusCode.ERROR, "ONNX Runtime failed");
            }
            throw new ScoringException(
                    "ONNX Runtime failed to score " + n + " row(s) with model " + model.name() + " " + model.version()
                            + ": " + e.getMessage(),
                    e);
        } finally {
            if (inference != null) {
                inference.end();
            }
        }
        long inferred = System.nanoTime() - ready;
        long assembled = ready - start;
        ScoreDrift drift = model.drift();
        AtomicLongArray driftBins = drift == null ? null : drift.bins();
        int stride = out.stride();
        float[] values = out.values();
        boolean multiclass = io.kind() == ModelManifest.OutputKind.MULTICLASS;
        int column = io.column();
        if (!multiclass && column >= stride) {
            throw new ScoringException(
                    "model " + model.name() + " returned " + stride + " column(s); the manifest reads column " + column,
                    null);
        }
        for (int w = 0; w < n; w++) {
            int r = scratchRow[w];
            float score;
            String label;
            Map<String, Float> probabilities = null;
            if (multiclass) {
                String[] classes = out.classes();
                float[] thresholds = out.classThresholds();
                probabilities = new LinkedHashMap<>(classes.length * 2);
                int best = -1;
                int top = 0;
                boolean finite = true;
                for (int c = 0; c < stride; c++) {
                    float p = values[w * stride + c];
                    finite &= Float.isFinite(p);
                    probabilities.put(classes[c], p);
                    if (p > values[w * stride + top]) {
                        top = c;
                    }
                    if ((thresholds == null || p >= thresholds[c]) && (best < 0 || p > values[w * stride + best])) {
                        best = c;
                    }
                }
                score = finite ? values[w * stride + (best < 0 ? top : best)] : Float.NaN;
                label = best < 0 ? null : classes[best];
            } else {
                score = values[w * stride + column];
                label = io.kind() == ModelManifest.OutputKind.BINARY ? label(spec, score) : null;
            }
            if (!Float.isFinite(score)) {
                if (rejects == null) {
                    throw new NonFiniteScoreException((batch ? "rows[" + r + "]: " : "") + nonFinite(model, score));
                }
                rejects.reject(index[r], rows.get(r), nonFinite(model, score));
                continue;
            }
            if (driftBins != null) {
                drift.record(driftBins, score);
            }
            predictions.add(new Prediction(
                    rows.get(r).entityId(), score, label, scratch.degraded(r), scratch.missing(r), probabilities));
        }
        if (drift != null) {
            drift.counted(predictions.size());
        }
        observer.scored(model, predictions, assembled, inferred);
        return predictions;
    }

    /** The manifest's label for {@code score}: labels[number of thresholds the score reaches]. */
    static String label(ModelManifest.OutputSpec spec, float score) {
        List<String> labels = spec.labels();
        if (labels == null) {
            return null;
        }
        List<Double> thresholds = spec.thresholds();
        int i = 0;
        // compared in float, the precision of the score: a score printed as 0.7 reaches a 0.7 threshold
        while (i < thresholds.size() && score >= thresholds.get(i).floatValue()) {
            i++;
        }
        return labels.get(i);
    }
}
