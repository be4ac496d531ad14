package io.inferfn.features;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.scoring.Row;

/**
 * The online-store features: which Redis hashes and fields a batch needs (one pipelined fetch) and
 * how the reply fills the rows, with a feature's default where Redis has no usable value.
 */
final class StoreFeatures {

    private final int n;
    private final KeyPattern[] patterns;
    private final String[] names;
    private final FeatureType[] types;
    private final double[] defaultNum;
    /** Per feature: a missing value does not degrade the prediction. */
    private final boolean[] mayBeMissing;
    /** The pattern an entity id fills, for the message when a row lacks one; null when none does. */
    final String entityPattern;

    StoreFeatures(FeatureTable table, List<FeatureSpec> specs) {
        n = table.size;
        names = table.names;
        types = table.types;
        defaultNum = table.defaultNum;
        mayBeMissing = new boolean[n];
        Map<String, List<Integer>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            if (specs.get(i) instanceof FeatureSpec.Store store) {
                mayBeMissing[i] = store.mayBeMissing();
                byKey.computeIfAbsent(store.key(), k -> new ArrayList<>()).add(i);
            }
        }
        patterns = new KeyPattern[byKey.size()];
        String entity = null;
        int p = 0;
        for (Map.Entry<String, List<Integer>> e : byKey.entrySet()) {
            List<FeatureSpec.Store> fields = new ArrayList<>();
            e.getValue().forEach(i -> fields.add((FeatureSpec.Store) specs.get(i)));
            int[] indexes = e.getValue().stream().mapToInt(Integer::intValue).toArray();
            patterns[p] = new KeyPattern(e.getKey(), fields, indexes, table);
            if (entity == null && patterns[p].usesEntityId) {
                entity = e.getKey();
            }
            p++;
        }
        entityPattern = entity;
    }

    /** Per feature: the key pattern whose placeholder it fills (a string request feature), else null. */
    String[] placeholderKeys() {
        String[] keys = new String[n];
        for (KeyPattern p : patterns) {
            for (int i : p.placeholderFeatures()) {
                keys[i] = keys[i] == null ? p.pattern : keys[i];
            }
        }
        return keys;
    }

    /** Per feature: the key pattern a store feature is read from, else null. */
    String[] storeKeys() {
        String[] keys = new String[n];
        for (KeyPattern p : patterns) {
            for (int i : p.fieldFeatures) {
                keys[i] = p.pattern;
            }
        }
        return keys;
    }

    /** Number of distinct key patterns: the keys each row may need. */
    int patternCount() {
        return patterns.length;
    }

    /**
     * Writes the keys and field lists {@code rows} need into the scratch, each distinct key once (rows of the same entity
     * share its reply: a poll of readings holds several of each sensor); returns how many.
     */
    int keys(List<? extends Row> rows, FeatureScratch s) {
        int k = 0;
        Map<String, Integer> seen = rows.size() > 1 ? s.seenKeys() : null;
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
                String key = pattern.key(row.entityId(), s.str, base, s.keyBuilder);
                if (seen != null) {
                    Integer earlier = seen.putIfAbsent(key, k);
                    // the same key from another pattern may list other fields: fetched apart
                    if (earlier != null && s.fields[earlier] == pattern.fields) {
                        s.keyIndex[slot] = earlier;
                        continue;
                    }
                    if (earlier != null) {
                        seen.put(key, k);
                    }
                }
                s.keys[k] = key;
                s.fields[k] = pattern.fields;
                s.keyIndex[slot] = k;
                k++;
            }
        }
        return k;
    }

    /**
     * Fills row {@code r}'s store features from the reply (values the caller supplied stay), a
     * default where the reply has no usable value; records and returns the features that fell back.
     */
    List<String> apply(int r, StoreReply reply, FeatureScratch s) {
        int base = r * n;
        double[] num = s.num;
        boolean[] supplied = s.supplied;
        List<String> missing = List.of();
        boolean degraded = false;
        for (int p = 0; p < patterns.length; p++) {
            int[] fieldFeatures = patterns[p].fieldFeatures;
            int k = s.keyIndex[r * patterns.length + p];
            String[] values = k >= 0 && reply.available() ? reply.values()[k] : null;
            for (int j = 0; j < fieldFeatures.length; j++) {
                int i = fieldFeatures[j];
                if (supplied[base + i]) {
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
        return missing;
    }

    /** A Redis string as the feature's number; NaN for a value the model cannot use (it counts as missing). */
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
            return Double.NaN;
        }
    }
}
