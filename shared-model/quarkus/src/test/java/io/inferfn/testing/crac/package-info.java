/**
 * A CRaC implementation for tests, in the shape of {@code jdk.crac}: org.crac loads it when the
 * system property {@code org.crac.Core.Compat} names this package, so resources registered through
 * {@code org.crac.Core.getGlobalContext()} land here, and {@link io.inferfn.testing.crac.Core#checkpointRestore()}
 * runs their hooks as a checkpoint and a restore would, on a JVM without CRaC.
 */
package io.inferfn.testing.crac;
