package io.inferfn.testing.crac;

/** {@code jdk.crac.RestoreException}'s shape. */
public class RestoreException extends Exception {

    public RestoreException() {}
}
