package io.inferfn.scoring;

/**
 * The population stability index of a distribution against a reference over the same bins:
 * {@code PSI = sum over bins of (actual - expected) * ln(actual / expected)}, both as fractions.
 * Below 0.1 the distribution is stable, 0.1 to 0.25 a moderate shift, above 0.25 a significant one.
 * A bin empty on either side would make its term infinite; its fraction is taken as {@link
 * #EPSILON} instead.
 */
public final class Psi {

    /** The fraction an empty bin counts as (0.01 %). */
    public static final double EPSILON = 1e-4;

    private Psi() {}

    /**
     * @param expected the reference fractions per bin
     * @param actual the observed fractions per bin, as many as {@code expected}
     */
    public static double of(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("PSI needs as many observed bins as reference bins; got " + actual.length
                    + " for " + expected.length);
        }
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.max(expected[i], EPSILON);
            double a = Math.max(actual[i], EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }
}
