package io.inferfn.testing.crac;

/** {@code jdk.crac.CheckpointException}'s shape. */
public class CheckpointException extends Exception {

    public CheckpointException() {}
}
