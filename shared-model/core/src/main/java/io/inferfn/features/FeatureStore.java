package io.inferfn.features;

/**
 * The online feature store. An implementation fetches every field one scoring call needs in
 * <b>one round trip</b>, never takes longer than its latency budget, and never throws for its own
 * faults: a slow or absent store is reported as {@link StoreReply#unavailable} so that the caller
 * can serve defaults, degraded, within its budget.
 */
public interface FeatureStore {

    /**
     * Reads {@code fields[k]} of hash {@code keys[k]} for {@code k < count}, in one round trip.
     * The {@code fields} arrays are shared between keys of the same pattern and must not be
     * modified.
     */
    StoreReply fetch(String[] keys, String[][] fields, int count);

    /** Whether the last round trips succeeded, for health reporting. */
    default boolean reachable() {
        return true;
    }

    /** A store with nothing in it: every feature falls back to its default (not degraded by itself). */
    FeatureStore EMPTY = (keys, fields, count) -> {
        String[][] values = new String[count][];
        for (int k = 0; k < count; k++) {
            values[k] = new String[fields[k].length];
        }
        return StoreReply.of(values);
    };
}
