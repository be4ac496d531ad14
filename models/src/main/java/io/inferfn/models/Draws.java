package io.inferfn.models;

import java.util.SplittableRandom;

/** The random draws the synthetic datasets share, on a seeded {@link SplittableRandom}. */
final class Draws {

    private Draws() {}

    /** A standard normal draw (Box-Muller; SplittableRandom has no nextGaussian on Java 17). */
    static double gaussian(SplittableRandom random) {
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** An index drawn with the given weights (summing to 1). */
    static int pick(SplittableRandom random, double... weights) {
        double u = random.nextDouble();
        for (int i = 0; i < weights.length - 1; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** A Poisson draw (Knuth's method; a normal approximation above a mean of 30). */
    static int poisson(SplittableRandom random, double mean) {
        if (mean > 30) {
            return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
        }
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > l);
        return k - 1;
    }

    static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
