package io.inferfn.scoring;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

import io.inferfn.model.ScoreReference;

/**
 * The live score histogram of one model, over the bins of its manifest's {@link ScoreReference},
 * and its {@link Psi population stability index} against that reference.
 *
 * <p>Recent scores, not all since start: scores go to one of two bin sets, each covering one
 * {@link Window#length()}; when a window ends, the older set is emptied and takes the new scores,
 * so the PSI is always computed over the last one to two windows. A drift therefore shows within
 * two windows however long the function has run. A window of zero keeps one set, cumulative since
 * start.
 *
 * <p>Recording is lock-free and allocates nothing: {@link #bins()} once per batch (a clock read),
 * {@link #record} per score (a binary search and an atomic increment). A score recorded while a
 * window turns may land in the set being emptied and be lost; at most a batch's worth, once per
 * window.
 */
public final class ScoreDrift {

    /**
     * How recent the observed histogram is.
     *
     * @param length how long each of the two bin sets collects scores; zero: cumulative since start
     * @param minScores below this many scores in the window, {@link #psi()} is NaN (too few to say)
     */
    public record Window(Duration length, long minScores) {

        /** 15 minute windows (PSI over the last 15 to 30 minutes), at least 100 scores. */
        public static final Window DEFAULT = new Window(Duration.ofMinutes(15), 100);

        public Window {
            if (length.isNegative()) {
                throw new IllegalArgumentException("the drift window must not be negative; got " + length);
            }
        }
    }

    private final double[] edges;
    private final double[] reference;
    private final AtomicLongArray[] sets;
    private final LongAdder observed = new LongAdder();
    private final long windowNanos;
    private final long minScores;
    private final LongSupplier nanoClock;
    private final long origin;
    private final AtomicLong epoch = new AtomicLong();

    public ScoreDrift(ScoreReference reference, Window window) {
        this(reference, window, System::nanoTime);
    }

    /** @param nanoClock a monotonic clock in nanoseconds ({@link System#nanoTime()}) */
    public ScoreDrift(ScoreReference reference, Window window, LongSupplier nanoClock) {
        this.edges = reference.edgeArray();
        this.reference = reference.fractionArray();
        int bins = this.reference.length;
        this.sets = new AtomicLongArray[] {new AtomicLongArray(bins), new AtomicLongArray(bins)};
        this.windowNanos = window.length().toNanos();
        this.minScores = window.minScores();
        this.nanoClock = nanoClock;
        this.origin = nanoClock.getAsLong();
    }

    /** The bin set scores go to now; take it once per batch and {@link #record} each score into it. */
    public AtomicLongArray bins() {
        if (windowNanos == 0) {
            return sets[0];
        }
        long now = (nanoClock.getAsLong() - origin) / windowNanos;
        long current = epoch.get();
        if (now > current && epoch.compareAndSet(current, now)) {
            clear(sets[(int) (now & 1)]);
            if (now - current >= 2) { // a quiet stretch: the previous window is older than one window too
                clear(sets[(int) ((now - 1) & 1)]);
            }
        }
        return sets[(int) (now & 1)];
    }

    private static void clear(AtomicLongArray set) {
        for (int i = 0; i < set.length(); i++) {
            set.set(i, 0);
        }
    }

    /** Counts {@code score} (a finite model output) in {@code bins}, taken from {@link #bins()}. */
    public void record(AtomicLongArray bins, float score) {
        bins.incrementAndGet(ScoreReference.bin(edges, score));
    }

    /** Adds {@code scores} recorded to the {@link #observed()} total (once per batch). */
    public void counted(int scores) {
        observed.add(scores);
    }

    /** Scores recorded since start (the window does not apply). */
    public long observed() {
        return observed.sum();
    }

    /** The observed fractions per bin over the current window (the last one to two windows). */
    public double[] fractions() {
        bins(); // a model that scores nothing still ages its window
        int n = reference.length;
        double[] counts = new double[n];
        double total = 0;
        for (AtomicLongArray set : sets) { // without a window the second set stays empty
            for (int i = 0; i < n; i++) {
                long c = set.get(i);
                counts[i] += c;
                total += c;
            }
        }
        for (int i = 0; i < n; i++) {
            counts[i] = total == 0 ? 0 : counts[i] / total;
        }
        return counts;
    }

    /** Scores in the current window. */
    public long windowScores() {
        bins();
        long total = 0;
        for (AtomicLongArray set : sets) { // without a window the second set stays empty
            for (int i = 0; i < set.length(); i++) {
                total += set.get(i);
            }
        }
        return total;
    }

    /**
     * The PSI of the window's scores against the reference; NaN while the window holds fewer than
     * {@link Window#minScores()} scores.
     */
    public double psi() {
        long scores = windowScores();
        if (scores == 0 || scores < minScores) {
            return Double.NaN;
        }
        return Psi.of(reference, fractions());
    }
}
