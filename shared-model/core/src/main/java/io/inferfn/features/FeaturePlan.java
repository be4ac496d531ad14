package io.inferfn.features;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelIo;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;

/**
 * A manifest's features compiled for the hot path: array-indexed, no maps or reflection per row.
 * It turns request features plus one {@link FeatureStore} round trip into the model's input
 * vector, in three steps that {@link io.inferfn.scoring.Scorer} drives:
 *
 * <ol>
 *   <li>{@link #readRequest} validates and converts each row's request features (a 400 here, before
 *       any I/O, for a missing, mistyped or non-finite value);
 *   <li>{@link #storeKeys} lists the Redis hashes and fields all rows need, and {@link #windowUpdate}
 *       the window reads and appends ({@link WindowScript}), for one round trip;
 *   <li>{@link #assemble} applies store values and window statistics or defaults, computes derived features and writes
 *       the float columns.
 * </ol>
 *
 * <p>Each step is its own class ({@link RequestReader}, {@link StoreFeatures}, {@link
 * DerivedFeatures}) over one {@link FeatureTable}. Working arrays live in a per-thread {@link
 * FeatureScratch} sized for the largest batch seen, so a scoring call allocates only the Redis keys
 * and the result.
 */
public final class FeaturePlan {

    /**
     * What an entity id (and any other value that fills a Redis key placeholder) must match unless
     * the deployment configures another pattern: letters, digits, '_', '.', '-', 1 to 128 of them.
     * No ':' or glob characters, so a value cannot reach keys outside its own.
     */
    public static final Pattern DEFAULT_KEY_VALUE_PATTERN = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private final FeatureTable table;
    private final RequestReader request;
    private final StoreFeatures store;
    private final DerivedFeatures derived;
    private final WindowFeatures windows;
    /** The feature of each input column, in order. */
    private final int[] columnFeatures;
    /** Per input column: the derived slot of a one-hot that writes several columns, else -1. */
    private final int[] columnOneHot;

    /** Per model input: the feature of each column, its one-hot slot (else -1), and the input's width. */
    private final int[][] inputFeatures;

    private final int[][] inputOneHot;
    private final int[] inputWidths;
    private final boolean[] stringInput;
    private final String[] modelInputNames;
    private final ModelManifest.InputType[] modelInputTypes;

    /** Idle scratches kept for {@link #borrowScratch}; more calls in flight than this allocate and drop extras. */
    private static final int MAX_IDLE = 64;

    private final int width;
    private final ThreadLocal<FeatureScratch> scratch;
    private final int features;
    private final int patterns;
    private final int windowDefinitions;
    private final ConcurrentLinkedDeque<FeatureScratch> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    /** Compiles a validated manifest. */
    public FeaturePlan(ModelManifest manifest) {
        List<FeatureSpec> specs = manifest.features();
        table = new FeatureTable(manifest.name(), specs);
        store = new StoreFeatures(table, specs);
        windows = new WindowFeatures(table, specs);
        request = new RequestReader(
                table, store, store.entityPattern != null ? store.entityPattern : windows.entityPattern);
        derived = new DerivedFeatures(table, specs);
        List<String> columns = manifest.input().columns();
        columnFeatures = columns.stream().mapToInt(table::indexOf).toArray();
        columnOneHot = new int[columnFeatures.length];
        int w = 0;
        for (int c = 0; c < columnFeatures.length; c++) {
            columnOneHot[c] = derived.oneHotSlot(columnFeatures[c]);
            w += columnOneHot[c] < 0 ? 1 : derived.width(columnOneHot[c]);
        }
        width = w;
        List<ModelManifest.InputSpec> inputs = manifest.inputs();
        inputFeatures = new int[inputs.size()][];
        inputOneHot = new int[inputs.size()][];
        inputWidths = new int[inputs.size()];
        stringInput = new boolean[inputs.size()];
        modelInputNames = new String[inputs.size()];
        modelInputTypes = new ModelManifest.InputType[inputs.size()];
        for (int k = 0; k < inputs.size(); k++) {
            int[] f = inputs.get(k).columns().stream().mapToInt(table::indexOf).toArray();
            int[] o = new int[f.length];
            int iw = 0;
            for (int c = 0; c < f.length; c++) {
                o[c] = derived.oneHotSlot(f[c]);
                iw += o[c] < 0 ? 1 : derived.width(o[c]);
            }
            inputFeatures[k] = f;
            inputOneHot[k] = o;
            inputWidths[k] = iw;
            stringInput[k] = inputs.get(k).elementType() == ModelManifest.InputType.STRING;
            modelInputNames[k] = inputs.get(k).name();
            modelInputTypes[k] = inputs.get(k).elementType();
        }
        features = table.size;
        patterns = store.patternCount();
        windowDefinitions = windows.definitions();
        scratch = ThreadLocal.withInitial(() -> new FeatureScratch(features, patterns, windowDefinitions));
    }

    /**
     * The type of feature {@code name} when a trusted source may supply it (a request feature, or a
     * store feature it already has), else null (unknown to the model, or derived by it).
     */
    public FeatureType suppliedType(String name) {
        int i = table.indexOf(name);
        return i < 0
                        || table.sources[i] == FeatureSource.DERIVED
                        || table.sources[i] == FeatureSource.MODEL
                        || table.sources[i] == FeatureSource.WINDOW
                ? null
                : table.types[i];
    }

    /** Number of float columns in one input row. */
    public int width() {
        return width;
    }

    /** Values per row of each model input, in manifest order (the first is {@link #width()}). */
    public int[] inputWidths() {
        return inputWidths.clone();
    }

    /** Whether a row must name its entity: some feature is read from the online store (or a window) by entity id. */
    public boolean needsEntityId() {
        return store.entityPattern != null || windows.entityPattern != null;
    }

    /** Whether the model reads window features, which only a stream trigger keeps (see {@link WindowUpdate}). */
    public boolean hasWindows() {
        return windows.definitions() > 0;
    }

    /** The calling thread's working arrays, ready for {@code rows} rows. */
    public FeatureScratch scratch(int rows) {
        FeatureScratch s = scratch.get();
        s.reset(rows);
        return s;
    }

    /**
     * Working arrays of their own for a call that outlives its thread's turn (an event loop serves other
     * requests while a call awaits its store reply), ready for {@code rows} rows; give them back with
     * {@link #returnScratch} once the call's predictions are made.
     */
    public FeatureScratch borrowScratch(int rows) {
        FeatureScratch s = idle.pollFirst();
        if (s == null) {
            s = new FeatureScratch(features, patterns, windowDefinitions);
        } else {
            idleCount.decrementAndGet();
        }
        s.reset(rows);
        return s;
    }

    /**
     * {@link #borrowScratch} for one model of a chain: the row may carry {@code otherStages}, the names other
     * models of the chain read, without this model calling them unknown.
     */
    public FeatureScratch borrowScratch(int rows, java.util.Set<String> otherStages) {
        FeatureScratch s = borrowScratch(rows);
        s.otherStages = otherStages;
        return s;
    }

    /** The index of feature {@code name} in a row of the scratch, or -1 when the model has none of that name. */
    public int indexOf(String name) {
        return table.indexOf(name);
    }

    /** The names of the model's features, every source. */
    public java.util.Set<String> featureNames() {
        return java.util.Set.of(table.names);
    }

    /** Sets numeric feature {@code feature} of row {@code r} (an upstream model's output in a chain). */
    public void feed(FeatureScratch s, int r, int feature, double value) {
        s.num[r * table.size + feature] = value;
    }

    /** Sets string feature {@code feature} of row {@code r} (an upstream model's label in a chain). */
    public void feed(FeatureScratch s, int r, int feature, String value) {
        s.str[r * table.size + feature] = value;
    }

    /** Returns what {@link #borrowScratch} lent (kept for reuse, or dropped when enough are idle). */
    public void returnScratch(FeatureScratch s) {
        s.otherStages = null;
        if (idleCount.incrementAndGet() <= MAX_IDLE) {
            idle.offerFirst(s);
        } else {
            idleCount.decrementAndGet();
        }
    }

    /**
     * Validates and converts row {@code r}'s request features into the scratch. Map rows and
     * positional ({@link Row.Columnar}) rows give the same values and the same errors.
     *
     * @param batchIndex the row's index in a batch for error messages, or -1 for a single request
     * @param origin who produced the row: a {@link RowOrigin#CALLER caller's} row may carry a store
     *     feature only where the manifest says {@code "acceptFromCaller": true}
     * @param keyValues the pattern the entity id, and every string feature that fills a key
     *     placeholder, must match
     * @throws InvalidRequestException naming the feature, what was sent and what was expected
     */
    public void readRequest(Row row, int r, FeatureScratch s, int batchIndex, RowOrigin origin, Pattern keyValues) {
        request.read(row, r, s, batchIndex, origin, keyValues);
        windows.check(row, batchIndex);
    }

    /** {@link #readRequest(Row, int, FeatureScratch, int, RowOrigin, Pattern)} of a caller's row, default key pattern. */
    public void readRequest(Row row, int r, FeatureScratch s, int batchIndex) {
        request.read(row, r, s, batchIndex, RowOrigin.CALLER, DEFAULT_KEY_VALUE_PATTERN);
    }

    /**
     * Writes the Redis keys and field lists that {@code rows} rows need into the scratch, skipping
     * hashes whose every field the caller supplied. Returns the number of keys.
     */
    public int storeKeys(List<? extends Row> rows, FeatureScratch s) {
        return store.keys(rows, s);
    }

    /**
     * Lists the window reads and appends of {@code rows} (their request features read into the
     * scratch), for the store to run in the same round trip as {@link #storeKeys}; null when the
     * model has no window features.
     */
    public WindowUpdate windowUpdate(List<? extends Row> rows, FeatureScratch s) {
        return windows.prepare(rows, s);
    }

    /** The store reply, then the window statistics, into row {@code r}; returns the features that fell back. */
    private List<String> online(int r, StoreReply reply, FeatureScratch s) {
        List<String> missing = store.apply(r, reply, s);
        if (windowDefinitions > 0) {
            missing = windows.apply(r, s, missing);
            s.rowMissing[r] = missing;
        }
        return missing;
    }

    /**
     * Applies the store reply (or defaults), computes derived features and writes row {@code r}'s
     * columns to {@code out}. Returns the names of features that fell back to defaults (empty list
     * when none); {@link FeatureScratch#missing(int)} and {@link FeatureScratch#degraded(int)} keep
     * them per row.
     */
    public List<String> assemble(int r, StoreReply reply, FeatureScratch s, FloatBuffer out) {
        List<String> missing = online(r, reply, s);
        int base = r * table.size;
        double[] num = s.num;
        derived.compute(base, num);
        for (int c = 0; c < columnFeatures.length; c++) {
            int d = columnOneHot[c];
            if (d < 0) {
                out.put((float) num[base + columnFeatures[c]]);
            } else {
                derived.oneHot(d, base, s, out);
            }
        }
        return missing;
    }

    /**
     * As {@link #assemble(int, StoreReply, FeatureScratch, FloatBuffer)}, for a model of any inputs: writes
     * scratch row {@code r}'s values to row {@code dest} of every input of {@code out}.
     *
     * @throws InvalidRequestException naming the input, the feature, the value and what the input takes, when a
     *     value does not fit its input's type (a fraction for an int64 input, say)
     */
    public List<String> assemble(int r, StoreReply reply, FeatureScratch s, ModelIo.Inputs out, int dest) {
        List<String> missing = online(r, reply, s);
        int base = r * table.size;
        double[] num = s.num;
        derived.compute(base, num);
        for (int k = 0; k < inputFeatures.length; k++) {
            int[] f = inputFeatures[k];
            int[] o = inputOneHot[k];
            int col = 0;
            for (int c = 0; c < f.length; c++) {
                if (stringInput[k]) {
                    out.string(k, dest, col++, s.str[base + f[c]]);
                } else if (o[c] < 0) {
                    double v = num[base + f[c]];
                    if (!out.number(k, dest, col++, v)) {
                        throw unfit(out, k, f[c], v);
                    }
                } else {
                    for (int j = 0; j < derived.width(o[c]); j++) {
                        out.number(k, dest, col++, derived.oneHotValue(o[c], base, s, j));
                    }
                }
            }
        }
        return missing;
    }

    private InvalidRequestException unfit(ModelIo.Inputs out, int k, int feature, double v) {
        ModelManifest.InputType type = modelInputTypes[k];
        String takes =
                switch (type) {
                    case INT64, INT32 -> "whole numbers (" + type.json() + ")";
                    case BOOL -> "0 or 1, false or true (bool)";
                    default -> "finite numbers (" + type.json() + ")";
                };
        return new InvalidRequestException("feature '" + table.names[feature] + "' is " + v + "; model input '"
                + modelInputNames[k] + "' takes " + takes);
    }
}
