package io.inferfn.features;

import java.util.function.Consumer;

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

    /**
     * {@link #fetch} and, in the same round trip, {@code windows}: the model's window reads and
     * appends ({@link WindowScript}), answered through {@link WindowUpdate#answer}. A store that keeps
     * no windows (the default) leaves them unanswered: window features take their defaults, degraded.
     *
     * @param windows the call's window update, or null when the model has no window features
     */
    default StoreReply fetch(String[] keys, String[][] fields, int count, WindowUpdate windows) {
        return fetch(keys, fields, count);
    }

    /**
     * {@link #fetch} without blocking the caller: {@code done} receives the reply exactly once, within the
     * same budget, and never a fault (faults are {@link StoreReply#unavailable}). An implementation reads
     * {@code keys} and {@code fields} before it returns. Called on a Vert.x event loop, it calls {@code done}
     * on that event loop, so the caller can go on there (assemble, run ORT, answer) without a thread hop.
     * The default blocks in {@link #fetch} and calls {@code done} before returning.
     *
     * @param done told of the reply; it must not throw
     */
    default void fetchAsync(String[] keys, String[][] fields, int count, Consumer<StoreReply> done) {
        done.accept(fetch(keys, fields, count));
    }

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
