package io.inferfn.features;

import java.nio.FloatBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureType;

/**
 * The derived features, in declaration order (so each one's arguments are computed before it), as
 * parallel arrays indexed by slot {@code d}: the op, the feature it writes and its arguments. One-hot
 * features write their columns straight to the input tensor.
 */
final class DerivedFeatures {

    private final int count;
    /** The feature index each slot writes. */
    private final int[] target;

    private final DerivedOp[] ops;
    private final int[] arg0;
    /** The second argument of ratio and difference, else -1. */
    private final int[] arg1;
    /** The value of a ratio by zero or a log1p of {@code <= -1}: the feature's default, else 0. */
    private final double[] fallback;

    private final double[][] boundaries;
    private final ZoneId[] zones;
    private final String[][] categories;
    /** The categories as numbers, for one-hot of a number feature (NaN where one is not a number). */
    private final double[][] numericCategories;

    private final boolean[] stringArg;

    DerivedFeatures(FeatureTable table, List<FeatureSpec> specs) {
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i) instanceof FeatureSpec.Derived) {
                slots.add(i);
            }
        }
        count = slots.size();
        target = new int[count];
        ops = new DerivedOp[count];
        arg0 = new int[count];
        arg1 = new int[count];
        fallback = new double[count];
        boundaries = new double[count][];
        zones = new ZoneId[count];
        categories = new String[count][];
        numericCategories = new double[count][];
        stringArg = new boolean[count];
        for (int d = 0; d < count; d++) {
            int i = slots.get(d);
            FeatureSpec.Derived f = (FeatureSpec.Derived) specs.get(i);
            target[d] = i;
            ops[d] = f.op();
            arg0[d] = table.indexOf(f.args().get(0));
            arg1[d] = f.args().size() > 1 ? table.indexOf(f.args().get(1)) : -1;
            stringArg[d] = table.types[arg0[d]] == FeatureType.STRING;
            fallback[d] = table.defaultNum[i];
            if (f.boundaries() != null) {
                boundaries[d] =
                        f.boundaries().stream().mapToDouble(Double::doubleValue).toArray();
            }
            if (f.categories() != null) {
                categories[d] = f.categories().toArray(String[]::new);
                numericCategories[d] = parseNumbers(categories[d]);
            }
            zones[d] = f.timezone() == null ? ZoneOffset.UTC : ZoneId.of(f.timezone());
        }
    }

    private static double[] parseNumbers(String[] values) {
        double[] parsed = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            try {
                parsed[i] = Double.parseDouble(values[i]);
            } catch (NumberFormatException e) {
                parsed[i] = Double.NaN;
            }
        }
        return parsed;
    }

    /** The slot of derived feature {@code i} when it is a one-hot, else -1. */
    int oneHotSlot(int i) {
        for (int d = 0; d < count; d++) {
            if (target[d] == i && ops[d] == DerivedOp.ONE_HOT) {
                return d;
            }
        }
        return -1;
    }

    /** Columns one-hot slot {@code d} writes. */
    int width(int d) {
        return categories[d].length;
    }

    /** Computes every derived feature of the row at {@code base} (one-hots are written by {@link #oneHot}). */
    void compute(int base, double[] num) {
        for (int d = 0; d < count; d++) {
            num[base + target[d]] = apply(d, base, num);
        }
    }

    private double apply(int d, int base, double[] num) {
        double x = num[base + arg0[d]];
        return switch (ops[d]) {
            case RATIO -> {
                double y = num[base + arg1[d]];
                double q = x / y;
                yield y == 0 || !Double.isFinite(q) ? fallback[d] : q;
            }
            case DIFFERENCE -> x - num[base + arg1[d]];
            case LOG1P -> x <= -1 ? fallback[d] : Math.log1p(x);
            case BUCKET -> bucket(boundaries[d], x);
            case HOUR_OF_DAY -> Math.floorMod(local(d, x), 86_400L) / 3600;
            case DAY_OF_WEEK -> Math.floorMod(Math.floorDiv(local(d, x), 86_400L) + 3, 7L);
            case ONE_HOT -> 0;
        };
    }

    /** Epoch seconds shifted to slot {@code d}'s time zone, so whole days start at its midnight. */
    private long local(int d, double epochSeconds) {
        long seconds = (long) Math.floor(epochSeconds);
        ZoneId zone = zones[d];
        if (zone == ZoneOffset.UTC) {
            return seconds;
        }
        try {
            return seconds
                    + zone.getRules().getOffset(Instant.ofEpochSecond(seconds)).getTotalSeconds();
        } catch (DateTimeException e) {
            return seconds;
        }
    }

    /** The number of {@code bounds} that are {@code <= x}. */
    private static double bucket(double[] bounds, double x) {
        int lo = 0;
        int hi = bounds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (bounds[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Writes one-hot slot {@code d}'s columns for the row at {@code base}: 1 for the argument's category. */
    void oneHot(int d, int base, FeatureScratch s, FloatBuffer out) {
        int arg = arg0[d];
        if (stringArg[d]) {
            String value = s.str[base + arg];
            for (String cat : categories[d]) {
                out.put(cat.equals(value) ? 1f : 0f);
            }
        } else {
            double value = s.num[base + arg];
            for (double cat : numericCategories[d]) {
                out.put(cat == value ? 1f : 0f);
            }
        }
    }

    /** Column {@code j} of one-hot slot {@code d} for the row at {@code base}: 1 for the argument's category, else 0. */
    double oneHotValue(int d, int base, FeatureScratch s, int j) {
        int arg = arg0[d];
        if (stringArg[d]) {
            return categories[d][j].equals(s.str[base + arg]) ? 1 : 0;
        }
        return numericCategories[d][j] == s.num[base + arg] ? 1 : 0;
    }
}
