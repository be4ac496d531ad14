package io.inferfn.scoring;

/**
 * Who produced the rows being scored, which decides what they may carry. A caller's row (an HTTP
 * request, a message) may not carry a feature the online store supplies, unless the manifest
 * accepts that feature from callers: otherwise a caller could replace what the store knows about
 * an entity with values of its choosing. A trusted source's row (a batch table or file the
 * deployment configured) may carry any of them, and those values are used instead of the store.
 */
public enum RowOrigin {
    /** A request or a message: store features only where the manifest says {@code "acceptFromCaller": true}. */
    CALLER,
    /** Data the deployment trusts (batch sources): store features are used as the row gives them. */
    TRUSTED_SOURCE
}
