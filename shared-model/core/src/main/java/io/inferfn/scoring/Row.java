package io.inferfn.scoring;

import java.util.Map;

/**
 * One thing to score: the entity whose online features apply, and the features the caller sent.
 * Request DTOs implement it directly so scoring does not copy them.
 */
public interface Row {

    /** The entity id that fills {@code {entityId}} in store key patterns; may be null if no key uses it. */
    String entityId();

    /** Request features by name: numbers, booleans, strings (timestamps as epoch seconds or ISO-8601). */
    Map<String, ?> features();

    /**
     * Where the row sits in its stream, for window features (appended once per position); null for a
     * row that is not a stream message: it reads the entity's windows without adding to them.
     */
    default StreamPosition position() {
        return null;
    }

    /**
     * A row whose features are positional columns with names shared by every row of a batch (batch
     * sources): scoring reads them by position, without a map lookup per feature.
     */
    interface Columnar extends Row {

        /** The column names; the same array instance for every row of a source. */
        String[] columnNames();

        /** The values, aligned with {@link #columnNames()}; null for a missing value. */
        Object[] columnValues();
    }

    /** A row built from its parts. */
    static Row of(String entityId, Map<String, ?> features) {
        return new SimpleRow(entityId, features);
    }

    /** A stream message's row: {@code entityId}'s {@code features} at {@code position}. */
    static Row at(String entityId, Map<String, ?> features, StreamPosition position) {
        return new StreamRow(entityId, features, position);
    }

    /** The plain implementation of {@link Row}. */
    record SimpleRow(String entityId, Map<String, ?> features) implements Row {}

    /** A row of a stream message. */
    record StreamRow(String entityId, Map<String, ?> features, StreamPosition position) implements Row {}
}
