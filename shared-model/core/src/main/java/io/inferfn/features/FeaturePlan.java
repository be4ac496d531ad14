package io.inferfn.features;

import java.nio.FloatBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;

/**
 * A manifest's features compiled for the hot path: array-indexed, no maps or reflection per row.
 * It turns request features plus one {@link FeatureStore} round trip into the model's input
 * vector, in three steps that {@link io.inferfn.scoring.Scorer} drives:
 *
 * <ol>
 *   <li>{@link #readRequest} validates and converts each row's request features (a 400 here, before
 *       any I/O, for a missing, mistyped or non-finite value);
 *   <li>{@link #storeKeys} lists the Redis hashes and fields all rows need, for one pipelined fetch;
 *   <li>{@link #assemble} applies store values or defaults, computes derived features and writes
 *       the float columns.
 * </ol>
 *
 * <p>Working arrays live in a per-thread {@link Scratch} sized for the largest batch seen, so a
 * scoring call allocates only the Redis keys and the result.
 */
public final class FeaturePlan {

    private final String modelName;
    private final int n;
    private final String[] names;
    private final FeatureSource[] sources;
    private final FeatureType[] types;
    private final double[] defaultNum;
    private final String[] defaultStr;
    private final boolean[] hasDefault;
    private final boolean[] mayBeMissing;
    private final Map<String, Integer> index;
    private final int[] requestFeatures;
    private final String requestFeatureList;
    private final KeyPattern[] patterns;
    private final int[] derived;
    private final DerivedOp[] ops;
    private final int[][] args;
    private final double[][] boundaries;
    private final String[][] categories;
    private final double[][] numericCategories;
    private final ZoneId[] zones;
    private final int[] columnFeatures;
    private final int width;
    private final boolean needsEntityId;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Compiles a validated manifest. */
    public FeaturePlan(ModelManifest manifest) {
        this.modelName = manifest.name();
        List<FeatureSpec> specs = manifest.features();
        n = specs.size();
        names = new String[n];
        sources = new FeatureSource[n];
        types = new FeatureType[n];
        defaultNum = new double[n];
        defaultStr = new String[n];
        hasDefault = new boolean[n];
        mayBeMissing = new boolean[n];
        ops = new DerivedOp[n];
        args = new int[n][];
        boundaries = new double[n][];
        categories = new String[n][];
        numericCategories = new double[n][];
        zones = new ZoneId[n];
        index = new HashMap<>();
        List<Integer> request = new ArrayList<>();
        List<Integer> derivedList = new ArrayList<>();
        Map<String, List<Integer>> byPattern = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FeatureSpec f = specs.get(i);
            names[i] = f.name();
            sources[i] = f.source();
            types[i] = f.type();
            mayBeMissing[i] = f instanceof FeatureSpec.Store store && store.mayBeMissing();
            index.put(f.name(), i);
            Object d = f.defaultValue();
            hasDefault[i] = d != null;
            if (d instanceof Number num) {
                defaultNum[i] = num.doubleValue();
            } else if (d instanceof Boolean b) {
                defaultNum[i] = b ? 1 : 0;
            } else if (d instanceof String s) {
                defaultStr[i] = s;
            }
            if (f instanceof FeatureSpec.Request) {
                request.add(i);
            } else if (f instanceof FeatureSpec.Store store) {
                byPattern.computeIfAbsent(store.key(), k -> new ArrayList<>()).add(i);
            } else if (f instanceof FeatureSpec.Derived spec) {
                derivedList.add(i);
                ops[i] = spec.op();
                args[i] = spec.args().stream().mapToInt(index::get).toArray();
                if (spec.boundaries() != null) {
                    boundaries[i] = spec.boundaries().stream()
                            .mapToDouble(Double::doubleValue)
                            .toArray();
                }
                if (spec.categories() != null) {
                    categories[i] = spec.categories().toArray(String[]::new);
                    numericCategories[i] = parseNumbers(categories[i]);
                }
                zones[i] = spec.timezone() == null ? ZoneOffset.UTC : ZoneId.of(spec.timezone());
            }
        }
        requestFeatures = request.stream().mapToInt(Integer::intValue).toArray();
        derived = derivedList.stream().mapToInt(Integer::intValue).toArray();
        patterns = new KeyPattern[byPattern.size()];
        boolean entity = false;
        int p = 0;
        for (Map.Entry<String, List<Integer>> e : byPattern.entrySet()) {
            patterns[p] = new KeyPattern(e.getKey(), e.getValue(), specs, index);
            entity |= patterns[p].usesEntityId;
            p++;
        }
        needsEntityId = entity;
        List<String> requestNames = new ArrayList<>();
        for (int i : requestFeatures) {
            requestNames.add(names[i] + " (" + types[i].json() + (hasDefault[i] ? ", optional" : "") + ")");
        }
        requestFeatureList = String.join(", ", requestNames);
        List<String> columns = manifest.input().features();
        columnFeatures = columns.stream().mapToInt(index::get).toArray();
        int w = 0;
        for (int i : columnFeatures) {
            w += ops[i] == DerivedOp.ONE_HOT ? categories[i].length : 1;
        }
        width = w;
    }

    private static double[] parseNumbers(String[] values) {
        double[] parsed = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            try {
                parsed[i] = Double.parseDouble(values[i]);
            } catch (NumberFormatException e) {
                parsed[i] = Double.NaN;
            }
        }
        return parsed;
    }

    /**
     * The type of feature {@code name} when a caller may supply it (a request feature, or a store
     * feature it already has), else null (unknown to the model, or derived by it).
     */
    public FeatureType suppliedType(String name) {
        Integer i = index.get(name);
        return i == null || sources[i] == FeatureSource.DERIVED ? null : types[i];
    }

    /** Number of float columns in one input row. */
    public int width() {
        return width;
    }

    /** Number of distinct Redis key patterns, i.e. HMGETs per row. */
    public int keyPatterns() {
        return patterns.length;
    }

    /** Names of the request features and their types, for error messages and documentation. */
    public String describeRequestFeatures() {
        return requestFeatureList;
    }

    /** The calling thread's working arrays, ready for {@code rows} rows. */
    public Scratch scratch(int rows) {
        Scratch s = scratch.get();
        s.reset(rows);
        return s;
    }

    /**
     * Validates and converts row {@code r}'s request features into the scratch.
     *
     * @param batchIndex the row's index in a batch for error messages, or -1 for a single request
     * @throws InvalidRequestException naming the feature, what was sent and what was expected
     */
    public void readRequest(Row row, int r, Scratch s, int batchIndex) {
        if (row instanceof Row.Columnar columnar) {
            readColumns(columnar, r, s, batchIndex);
            return;
        }
        int base = r * n;
        Map<String, ?> values = row.features();
        int present = 0;
        for (int i : requestFeatures) {
            Object v = values == null ? null : values.get(names[i]);
            if (v == null) {
                if (!hasDefault[i]) {
                    throw required(i, batchIndex);
                }
                s.num[base + i] = defaultNum[i];
                s.str[base + i] = defaultStr[i];
            } else {
                convert(v, i, base, s, batchIndex);
                present++;
            }
        }
        if (values != null && values.size() > present) {
            checkExtras(values, base, s, batchIndex);
        }
        checkEntityId(row, batchIndex);
    }

    /** {@link #readRequest} for positional rows: the same checks, with the column-to-feature map computed once per source. */
    private void readColumns(Row.Columnar row, int r, Scratch s, int batchIndex) {
        int base = r * n;
        int[] mapping = s.mapping(row.columnNames());
        Object[] values = row.columnValues();
        boolean[] given = s.given;
        for (int i : requestFeatures) {
            given[i] = false;
        }
        for (int c = 0; c < mapping.length; c++) {
            int i = mapping[c];
            if (i < 0) {
                String name = row.columnNames()[c];
                throw new InvalidRequestException(prefix(batchIndex)
                        + (i == UNKNOWN
                                ? "unknown feature '" + name + "'; model " + modelName + " takes " + requestFeatureList
                                : "feature '" + name + "' is derived by the model from other features; send those"
                                        + " instead"));
            }
            Object v = values[c];
            if (v == null) {
                continue;
            }
            convert(v, i, base, s, batchIndex);
            if (sources[i] == FeatureSource.STORE) {
                s.supplied[base + i] = true;
            } else {
                given[i] = true;
            }
        }
        for (int i : requestFeatures) {
            if (!given[i]) {
                if (!hasDefault[i]) {
                    throw required(i, batchIndex);
                }
                s.num[base + i] = defaultNum[i];
                s.str[base + i] = defaultStr[i];
            }
        }
        checkEntityId(row, batchIndex);
    }

    private InvalidRequestException required(int i, int batchIndex) {
        return new InvalidRequestException(prefix(batchIndex) + "feature '" + names[i] + "' is required: expected a "
                + expected(types[i]) + "; model " + modelName + " takes " + requestFeatureList);
    }

    /** Whether a row must name its entity: some feature is read from the online store by entity id. */
    public boolean needsEntityId() {
        return needsEntityId;
    }

    private void checkEntityId(Row row, int batchIndex) {
        String entityId = row.entityId();
        if (needsEntityId && (entityId == null || entityId.isBlank())) {
            throw new InvalidRequestException(prefix(batchIndex) + "'entityId' is required: model " + modelName
                    + " reads online features keyed by " + patterns[0].pattern);
        }
    }

    private static final int UNKNOWN = -1;
    private static final int DERIVED_COLUMN = -2;

    private int[] columnMapping(String[] columns) {
        int[] mapping = new int[columns.length];
        for (int c = 0; c < columns.length; c++) {
            Integer i = index.get(columns[c]);
            mapping[c] = i == null ? UNKNOWN : sources[i] == FeatureSource.DERIVED ? DERIVED_COLUMN : i;
        }
        return mapping;
    }

    private void checkExtras(Map<String, ?> values, int base, Scratch s, int batchIndex) {
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Integer i = index.get(e.getKey());
            if (i == null) {
                throw new InvalidRequestException(prefix(batchIndex) + "unknown feature '" + e.getKey() + "'; model "
                        + modelName + " takes " + requestFeatureList);
            }
            switch (sources[i]) {
                case REQUEST -> {
                    // converted above
                }
                case STORE -> {
                    // The caller already has this online feature (a batch source, a replay): use it, skip Redis.
                    if (e.getValue() != null) {
                        convert(e.getValue(), i, base, s, batchIndex);
                        s.supplied[base + i] = true;
                    }
                }
                case DERIVED ->
                    throw new InvalidRequestException(prefix(batchIndex) + "feature '" + e.getKey()
                            + "' is derived by the model from other features; send those instead");
            }
        }
    }

    private void convert(Object v, int i, int base, Scratch s, int batchIndex) {
        switch (types[i]) {
            case NUMBER -> {
                if (!(v instanceof Number num)) {
                    throw wrongType(batchIndex, i, v);
                }
                double d = num.doubleValue();
                if (!Double.isFinite(d)) {
                    throw new InvalidRequestException(
                            prefix(batchIndex) + "feature '" + names[i] + "' must be a finite number; got " + num);
                }
                if (Math.abs(d) > Float.MAX_VALUE) { // the model reads float32: this would become infinity
                    throw new InvalidRequestException(prefix(batchIndex) + "feature '" + names[i] + "' is " + num
                            + ", beyond the float32 range (±3.4e38) the model reads");
                }
                s.num[base + i] = d;
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean b)) {
                    throw wrongType(batchIndex, i, v);
                }
                s.num[base + i] = b ? 1 : 0;
            }
            case STRING -> {
                if (!(v instanceof String str)) {
                    throw wrongType(batchIndex, i, v);
                }
                s.str[base + i] = str;
            }
            case TIMESTAMP -> s.num[base + i] = epochSeconds(v, i, batchIndex);
        }
    }

    private double epochSeconds(Object v, int i, int batchIndex) {
        if (v instanceof Number num && Double.isFinite(num.doubleValue())) {
            return num.doubleValue();
        }
        if (v instanceof String text) {
            try {
                return OffsetDateTime.parse(text).toEpochSecond();
            } catch (DateTimeParseException e) {
                // fall through to the error
            }
        }
        throw wrongType(batchIndex, i, v);
    }

    private InvalidRequestException wrongType(int batchIndex, int i, Object v) {
        return new InvalidRequestException(prefix(batchIndex) + "feature '" + names[i] + "' must be a "
                + expected(types[i]) + "; got " + describe(v));
    }

    private static String prefix(int batchIndex) {
        return batchIndex < 0 ? "" : "rows[" + batchIndex + "]: ";
    }

    private static String expected(FeatureType type) {
        return switch (type) {
            case NUMBER -> "number";
            case BOOLEAN -> "boolean (true or false)";
            case STRING -> "string";
            case TIMESTAMP -> "timestamp (epoch seconds, or ISO-8601 such as 2026-11-23T08:00:00Z)";
        };
    }

    private static String describe(Object v) {
        if (v instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof Boolean) {
            return "the boolean " + v;
        }
        return "the number " + v;
    }

    /**
     * Writes the Redis keys and field lists that {@code rows} rows need into the scratch, skipping
     * hashes whose every field the caller supplied. Returns the number of keys.
     */
    public int storeKeys(List<? extends Row> rows, Scratch s) {
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            int base = r * n;
            for (int p = 0; p < patterns.length; p++) {
                KeyPattern pattern = patterns[p];
                int slot = r * patterns.length + p;
                if (pattern.allSupplied(s.supplied, base)) {
                    s.keyIndex[slot] = -1;
                    continue;
                }
                s.keys[k] = pattern.key(row.entityId(), s.str, base, s.keyBuilder);
                s.fields[k] = pattern.fields;
                s.keyIndex[slot] = k;
                k++;
            }
        }
        return k;
    }

    /**
     * Applies the store reply (or defaults), computes derived features and writes row {@code r}'s
     * columns to {@code out}. Returns the names of features that fell back to defaults (empty list
     * when none); {@link Scratch#missing(int)} and {@link Scratch#degraded(int)} keep them per row.
     */
    public List<String> assemble(int r, StoreReply reply, Scratch s, FloatBuffer out) {
        int base = r * n;
        double[] num = s.num;
        List<String> missing = List.of();
        boolean degraded = false;
        for (int p = 0; p < patterns.length; p++) {
            KeyPattern pattern = patterns[p];
            int k = s.keyIndex[r * patterns.length + p];
            String[] values = k >= 0 && reply.available() ? reply.values()[k] : null;
            for (int j = 0; j < pattern.fieldFeatures.length; j++) {
                int i = pattern.fieldFeatures[j];
                if (s.supplied[base + i]) {
                    continue;
                }
                double value = values == null ? Double.NaN : parseStored(values[j], types[i]);
                if (Double.isNaN(value)) {
                    num[base + i] = defaultNum[i];
                    if (missing.isEmpty()) {
                        missing = new ArrayList<>(4);
                    }
                    missing.add(names[i]);
                    degraded |= !mayBeMissing[i] || values == null;
                } else {
                    num[base + i] = value;
                }
            }
        }
        s.rowDegraded[r] = degraded;
        s.rowMissing[r] = missing;
        for (int i : derived) {
            num[base + i] = derive(i, base, s);
        }
        for (int i : columnFeatures) {
            if (ops[i] == DerivedOp.ONE_HOT) {
                oneHot(i, base, s, out);
            } else {
                out.put((float) num[base + i]);
            }
        }
        return missing;
    }

    private static double parseStored(String value, FeatureType type) {
        if (value == null) {
            return Double.NaN;
        }
        if (type == FeatureType.BOOLEAN) {
            return switch (value) {
                case "1", "true", "TRUE", "True" -> 1;
                case "0", "false", "FALSE", "False" -> 0;
                default -> Double.NaN;
            };
        }
        try {
            double d = Double.parseDouble(value);
            return Double.isFinite(d) ? d : Double.NaN;
        } catch (NumberFormatException e) {
            return Double.NaN; // a value the model cannot use counts as missing
        }
    }

    private double derive(int i, int base, Scratch s) {
        double[] num = s.num;
        int[] a = args[i];
        double x = num[base + a[0]];
        return switch (ops[i]) {
            case RATIO -> {
                double y = num[base + a[1]];
                double q = x / y;
                yield y == 0 || !Double.isFinite(q) ? defaultNum[i] : q;
            }
            case DIFFERENCE -> x - num[base + a[1]];
            case LOG1P -> x <= -1 ? defaultNum[i] : Math.log1p(x);
            case BUCKET -> bucket(boundaries[i], x);
            case HOUR_OF_DAY -> Math.floorMod(local(i, x), 86_400L) / 3600;
            case DAY_OF_WEEK -> Math.floorMod(Math.floorDiv(local(i, x), 86_400L) + 3, 7L);
            case ONE_HOT -> 0; // written column by column in oneHot
        };
    }

    private long local(int i, double epochSeconds) {
        long seconds = (long) Math.floor(epochSeconds);
        ZoneId zone = zones[i];
        if (zone == ZoneOffset.UTC) {
            return seconds;
        }
        try {
            return seconds
                    + zone.getRules().getOffset(Instant.ofEpochSecond(seconds)).getTotalSeconds();
        } catch (DateTimeException e) {
            return seconds;
        }
    }

    private static double bucket(double[] bounds, double x) {
        int lo = 0;
        int hi = bounds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private void oneHot(int i, int base, Scratch s, FloatBuffer out) {
        int arg = args[i][0];
        String[] cats = categories[i];
        if (types[arg] == FeatureType.STRING) {
            String value = s.str[base + arg];
            for (String cat : cats) {
                out.put(cat.equals(value) ? 1f : 0f);
            }
        } else {
            double value = s.num[base + arg];
            for (double cat : numericCategories[i]) {
                out.put(cat == value ? 1f : 0f);
            }
        }
    }

    /** A Redis key pattern such as {@code customer:{entityId}} with the fields read from it. */
    private static final class KeyPattern {
        final String pattern;
        final String[] literals;
        final int[] placeholders; // feature index, or -1 for entityId
        final String[] fields;
        final int[] fieldFeatures;
        final boolean usesEntityId;

        KeyPattern(String pattern, List<Integer> features, List<FeatureSpec> specs, Map<String, Integer> index) {
            this.pattern = pattern;
            List<String> names = FeatureSpec.Store.placeholders(pattern);
            literals = new String[names.size() + 1];
            placeholders = new int[names.size()];
            int from = 0;
            boolean entity = false;
            for (int p = 0; p < names.size(); p++) {
                int open = pattern.indexOf('{', from);
                literals[p] = pattern.substring(from, open);
                String name = names.get(p);
                placeholders[p] = ModelManifest.ENTITY_ID.equals(name) ? -1 : index.get(name);
                entity |= placeholders[p] == -1;
                from = pattern.indexOf('}', open) + 1;
            }
            literals[names.size()] = pattern.substring(from);
            usesEntityId = entity;
            fields = features.stream().map(i -> ((FeatureSpec.Store) specs.get(i)).field()).toArray(String[]::new);
            fieldFeatures = features.stream().mapToInt(Integer::intValue).toArray();
        }

        boolean allSupplied(boolean[] supplied, int base) {
            for (int i : fieldFeatures) {
                if (!supplied[base + i]) {
                    return false;
                }
            }
            return true;
        }

        String key(String entityId, String[] str, int base, StringBuilder sb) {
            sb.setLength(0);
            for (int p = 0; p < placeholders.length; p++) {
                sb.append(literals[p]);
                sb.append(placeholders[p] < 0 ? entityId : str[base + placeholders[p]]);
            }
            return sb.append(literals[placeholders.length]).toString();
        }
    }

    /** One thread's working arrays; valid between {@link #scratch(int)} and the end of the call. */
    public final class Scratch {
        double[] num = new double[n];
        String[] str = new String[n];
        boolean[] supplied = new boolean[n];
        int[] keyIndex = new int[Math.max(1, patterns.length)];
        String[] keys = new String[Math.max(1, patterns.length)];
        String[][] fields = new String[Math.max(1, patterns.length)][];
        boolean[] rowDegraded = new boolean[1];
        List<String>[] rowMissing = newLists(1);
        final StringBuilder keyBuilder = new StringBuilder(64);
        /** Which request features the current positional row gave. */
        final boolean[] given = new boolean[n];

        private String[] mappedColumns;
        private int[] mapping;

        /** The feature index of each column of a positional source (cached per column array). */
        int[] mapping(String[] columns) {
            if (columns != mappedColumns) {
                mapping = columnMapping(columns);
                mappedColumns = columns;
            }
            return mapping;
        }

        void reset(int rows) {
            int cells = rows * n;
            if (num.length < cells) {
                num = new double[cells];
                str = new String[cells];
                supplied = new boolean[cells];
            } else {
                Arrays.fill(str, 0, cells, null);
                Arrays.fill(supplied, 0, cells, false);
            }
            if (rowDegraded.length < rows) {
                rowDegraded = new boolean[rows];
                rowMissing = newLists(rows);
            }
            int slots = rows * patterns.length;
            if (keyIndex.length < slots) {
                keyIndex = new int[slots];
                keys = new String[slots];
                fields = new String[slots][];
            }
        }

        /** Forgets what a rejected row left in slot {@code r}, so the next row can take the slot. */
        public void clearRow(int r) {
            Arrays.fill(str, r * n, (r + 1) * n, null);
            Arrays.fill(supplied, r * n, (r + 1) * n, false);
        }

        /** Whether row {@code r} was {@linkplain #assemble assembled} with a required feature missing. */
        public boolean degraded(int r) {
            return rowDegraded[r];
        }

        /** The features of row {@code r} that fell back to their defaults. */
        public List<String> missing(int r) {
            return rowMissing[r];
        }

        @SuppressWarnings("unchecked")
        private static List<String>[] newLists(int n) {
            return new List[n];
        }

        /** The keys {@link #storeKeys} wrote. */
        public String[] keys() {
            return keys;
        }

        /** The field lists {@link #storeKeys} wrote, one per key. */
        public String[][] fields() {
            return fields;
        }
    }
}
