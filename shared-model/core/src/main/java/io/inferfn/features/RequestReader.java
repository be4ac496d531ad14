package io.inferfn.features;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.InvalidRequestException;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.RowOrigin;

/**
 * Validates and converts a row's request features into the scratch, before any I/O. Map rows and
 * positional rows take the same path, so they give the same values and the same errors, checked in
 * the same order: each request feature in declaration order (its value converted, else its default,
 * else "required"), then the other names the row carries (an online feature a trusted source already
 * has, else "unknown", "derived" or "from the store only"), then the entity id.
 *
 * <p>Every value that fills a Redis key placeholder (the entity id, a string request feature named
 * in a key pattern) must match the key-value pattern: it becomes part of a key name, and a ':' or
 * '*' of the caller's choosing must not reach other keys. The check reuses the calling thread's
 * {@link Matcher}, so a valid row allocates nothing for it.
 */
final class RequestReader {

    private static final int UNKNOWN = -1;

    private final FeatureTable table;
    private final int n;
    private final String[] names;
    private final FeatureSource[] sources;
    private final FeatureType[] types;
    private final double[] defaultNum;
    private final String[] defaultStr;
    private final boolean[] hasDefault;
    private final int[] requestFeatures;
    /** The request features and their types, for messages: "amount (number), channel (string, optional)". */
    private final String requestFeatureList;
    /** The key pattern an entity id fills, or null when no store or window feature needs one. */
    private final String entityPattern;
    /** Per feature: the key pattern it fills a placeholder of, else null. */
    private final String[] fillsKey;
    /** Per feature: a store feature a caller may send (the manifest's {@code acceptFromCaller}). */
    private final boolean[] acceptFromCaller;
    /** Per feature: the key pattern of a store feature, for messages. */
    private final String[] storeKey;

    /** @param entityPattern the key pattern an entity id fills (store or window), or null when none does */
    RequestReader(FeatureTable table, StoreFeatures store, String entityPattern) {
        this.table = table;
        this.entityPattern = entityPattern;
        this.fillsKey = store.placeholderKeys();
        this.acceptFromCaller = table.acceptFromCaller;
        this.storeKey = store.storeKeys();
        n = table.size;
        names = table.names;
        sources = table.sources;
        types = table.types;
        defaultNum = table.defaultNum;
        defaultStr = table.defaultStr;
        hasDefault = table.hasDefault;
        List<String> described = new ArrayList<>();
        requestFeatures = new int
                [(int) Arrays.stream(sources)
                        .filter(FeatureSource.REQUEST::equals)
                        .count()];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (sources[i] == FeatureSource.REQUEST) {
                requestFeatures[k++] = i;
                described.add(names[i] + " (" + types[i].json() + (hasDefault[i] ? ", optional" : "") + ")");
            }
        }
        requestFeatureList = String.join(", ", described);
    }

    /**
     * Reads row {@code r}.
     *
     * @param batchIndex the row's index in a batch for error messages, or -1 for a single request
     * @param origin who produced the row: a caller's row may not carry store-only features
     * @param keyValues the pattern the entity id and every other key placeholder value must match
     */
    void read(Row row, int r, FeatureScratch s, int batchIndex, RowOrigin origin, Pattern keyValues) {
        int base = r * n;
        boolean trusted = origin == RowOrigin.TRUSTED_SOURCE;
        if (row instanceof Row.Columnar columnar) {
            readColumns(columnar, base, s, batchIndex, trusted, keyValues);
        } else {
            readMap(row.features(), base, s, batchIndex, trusted, keyValues);
        }
        if (entityPattern != null) {
            String entityId = row.entityId();
            if (entityId == null || entityId.isBlank()) {
                throw new InvalidRequestException(prefix(batchIndex) + "'entityId' is required: model "
                        + table.modelName + " reads online features keyed by " + entityPattern);
            }
            if (!matches(keyValues, entityId, s)) {
                throw new InvalidRequestException(prefix(batchIndex) + "'entityId' must match " + keyValues.pattern()
                        + " (it becomes part of the Redis key " + entityPattern + "); got " + describe(entityId));
            }
        }
    }

    /** Whether {@code value} matches {@code pattern}, with the thread's matcher (no allocation once it exists). */
    private static boolean matches(Pattern pattern, String value, FeatureScratch s) {
        Matcher m = s.keyValueMatcher;
        if (m == null || m.pattern() != pattern) {
            m = pattern.matcher(value);
            s.keyValueMatcher = m;
        } else {
            m.reset(value);
        }
        boolean ok = m.matches();
        m.reset(""); // do not keep the caller's string reachable from the thread
        return ok;
    }

    private void readMap(
            Map<String, ?> values, int base, FeatureScratch s, int batchIndex, boolean trusted, Pattern keyValues) {
        int given = 0;
        for (int i : requestFeatures) {
            if (request(i, values == null ? null : values.get(names[i]), base, s, batchIndex, keyValues)) {
                given++;
            }
        }
        if (values != null && values.size() > given) {
            for (Map.Entry<String, ?> e : values.entrySet()) {
                other(table.indexOf(e.getKey()), e.getKey(), e.getValue(), base, s, batchIndex, trusted);
            }
        }
    }

    private void readColumns(
            Row.Columnar row, int base, FeatureScratch s, int batchIndex, boolean trusted, Pattern keyValues) {
        String[] columns = row.columnNames();
        if (s.layoutColumns != columns) {
            s.layout = layout(columns);
            s.layoutColumns = columns;
        }
        ColumnLayout layout = s.layout;
        Object[] values = row.columnValues();
        int[] requestColumn = layout.requestColumn;
        for (int k = 0; k < requestFeatures.length; k++) {
            int c = requestColumn[k];
            request(requestFeatures[k], c < 0 ? null : values[c], base, s, batchIndex, keyValues);
        }
        int[] otherColumns = layout.otherColumns;
        int[] otherFeatures = layout.otherFeatures;
        for (int j = 0; j < otherColumns.length; j++) {
            int c = otherColumns[j];
            other(otherFeatures[j], columns[c], values[c], base, s, batchIndex, trusted);
        }
    }

    /**
     * Where a positional source's columns go, computed once per column array: the column of each
     * request feature (-1 when absent), and the other columns with their feature (-1 when unknown).
     */
    record ColumnLayout(int[] requestColumn, int[] otherColumns, int[] otherFeatures) {}

    private ColumnLayout layout(String[] columns) {
        int[] requestColumn = new int[requestFeatures.length];
        Arrays.fill(requestColumn, -1);
        List<Integer> others = new ArrayList<>();
        for (int c = 0; c < columns.length; c++) {
            int i = table.indexOf(columns[c]);
            int k = i < 0 ? -1 : Arrays.binarySearch(requestFeatures, i);
            if (k >= 0 && requestColumn[k] < 0) {
                requestColumn[k] = c;
            } else {
                others.add(c);
            }
        }
        int[] otherColumns = others.stream().mapToInt(Integer::intValue).toArray();
        int[] otherFeatures =
                others.stream().mapToInt(c -> table.indexOf(columns[c])).toArray();
        return new ColumnLayout(requestColumn, otherColumns, otherFeatures);
    }

    /** Request feature {@code i}: its value converted, else its default; returns whether the row gave it. */
    private boolean request(int i, Object v, int base, FeatureScratch s, int batchIndex, Pattern keyValues) {
        if (v == null) {
            if (!hasDefault[i]) {
                throw new InvalidRequestException(prefix(batchIndex) + "feature '" + names[i] + "' is required:"
                        + " expected a " + expected(types[i]) + "; model " + table.modelName + " takes "
                        + requestFeatureList);
            }
            s.num[base + i] = defaultNum[i];
            s.str[base + i] = defaultStr[i];
            return false;
        }
        convert(v, i, base, s, batchIndex);
        if (fillsKey[i] != null && !matches(keyValues, s.str[base + i], s)) {
            throw new InvalidRequestException(prefix(batchIndex) + "feature '" + names[i] + "' must match "
                    + keyValues.pattern() + " (it becomes part of the Redis key " + fillsKey[i] + "); got "
                    + describe(v));
        }
        return true;
    }

    /** A value the row carries under a name that is not one of the request features read above. */
    private void other(int i, String name, Object v, int base, FeatureScratch s, int batchIndex, boolean trusted) {
        if (i == UNKNOWN) {
            if (s.otherStages != null && s.otherStages.contains(name)) {
                return; // another model of the chain reads it
            }
            throw new InvalidRequestException(prefix(batchIndex) + "unknown feature '" + name + "'; model "
                    + table.modelName + " takes " + requestFeatureList);
        }
        switch (sources[i]) {
            case REQUEST -> {
                // read above (a positional source may repeat a column: the first one counts)
            }
            case STORE -> {
                if (!trusted && !acceptFromCaller[i]) {
                    throw new InvalidRequestException(prefix(batchIndex) + "feature '" + name + "' comes from the"
                            + " feature store (" + storeKey[i] + ") and may not be sent; model " + table.modelName
                            + " takes " + requestFeatureList);
                }
                // A trusted source (or a caller the manifest accepts it from) has it: use it, skip Redis.
                if (v != null) {
                    convert(v, i, base, s, batchIndex);
                    s.supplied[base + i] = true;
                }
            }
            case DERIVED ->
                throw new InvalidRequestException(prefix(batchIndex) + "feature '" + name
                        + "' is derived by the model from other features; send those instead");
            case MODEL ->
                throw new InvalidRequestException(prefix(batchIndex) + "feature '" + name + "' is the output of "
                        + "another model, scored first in the same call; model " + table.modelName + " takes "
                        + requestFeatureList);
            case WINDOW ->
                throw new InvalidRequestException(prefix(batchIndex) + "feature '" + name
                        + "' is a window statistic the function keeps from the entity's readings; send the"
                        + " reading instead");
        }
    }

    private void convert(Object v, int i, int base, FeatureScratch s, int batchIndex) {
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
}
