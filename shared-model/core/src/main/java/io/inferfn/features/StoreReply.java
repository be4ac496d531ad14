package io.inferfn.features;

/**
 * The answer of one {@link FeatureStore#fetch} round trip: {@code values[k][f]} is field {@code f}
 * of key {@code k} (null when Redis has none), {@code values[k]} null when key {@code k} could not
 * be read (it holds another type than a hash: only its rows are degraded), or no values at all
 * when the store was unavailable.
 */
public record StoreReply(String[][] values, String unavailableReason) {

    public static StoreReply of(String[][] values) {
        return new StoreReply(values, null);
    }

    public static StoreReply unavailable(String reason) {
        return new StoreReply(null, reason);
    }

    public boolean available() {
        return values != null;
    }
}
