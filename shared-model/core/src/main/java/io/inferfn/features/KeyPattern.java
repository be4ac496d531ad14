package io.inferfn.features;

import java.util.List;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;

/**
 * A Redis key pattern such as {@code customer:{entityId}} compiled to literals and placeholders,
 * with the hash fields (and the features they fill) read from each key it builds.
 */
final class KeyPattern {

    final String pattern;
    private final String[] literals;
    /** The feature index filling each placeholder, or -1 for the row's entity id. */
    private final int[] placeholders;

    final String[] fields;
    final int[] fieldFeatures;
    final boolean usesEntityId;

    KeyPattern(String pattern, List<FeatureSpec.Store> features, int[] featureIndexes, FeatureTable table) {
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
            placeholders[p] = ModelManifest.ENTITY_ID.equals(name) ? -1 : table.indexOf(name);
            entity |= placeholders[p] == -1;
            from = pattern.indexOf('}', open) + 1;
        }
        literals[names.size()] = pattern.substring(from);
        usesEntityId = entity;
        fields = features.stream().map(FeatureSpec.Store::field).toArray(String[]::new);
        fieldFeatures = featureIndexes;
    }

    /** The indexes of the request features that fill this pattern's placeholders (not the entity id). */
    int[] placeholderFeatures() {
        return java.util.Arrays.stream(placeholders).filter(i -> i >= 0).toArray();
    }

    /** Whether the caller supplied every field of this hash for the row at {@code base}. */
    boolean allSupplied(boolean[] supplied, int base) {
        for (int i : fieldFeatures) {
            if (!supplied[base + i]) {
                return false;
            }
        }
        return true;
    }

    /** The key for the row at {@code base}: placeholders filled from its entity id and string features. */
    String key(String entityId, String[] str, int base, StringBuilder sb) {
        sb.setLength(0);
        for (int p = 0; p < placeholders.length; p++) {
            sb.append(literals[p]);
            sb.append(placeholders[p] < 0 ? entityId : str[base + placeholders[p]]);
        }
        return sb.append(literals[placeholders.length]).toString();
    }
}
