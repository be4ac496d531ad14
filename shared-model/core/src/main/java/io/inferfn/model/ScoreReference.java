package io.inferfn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import static io.inferfn.model.ModelManifest.require;

/**
 * The manifest's {@code "reference"}: the histogram of the scores the model gave a reference data
 * set (its holdout or training rows) when it was published, against which a function measures the
 * drift of its live scores ({@code inferfn.model.score.psi}).
 *
 * <p>{@code edges} are the {@code n + 1} strictly increasing bin edges; bin {@code i} holds the
 * scores in {@code [edges[i], edges[i+1])}, the first bin also every score below {@code edges[0]}
 * and the last every score from {@code edges[n-1]} up (so no score falls outside). {@code
 * fractions} are the {@code n} shares of the reference rows per bin (they sum to 1), {@code rows}
 * how many rows the histogram was computed from.
 */
@JsonPropertyOrder({"edges", "fractions", "rows"})
public record ScoreReference(List<Double> edges, List<Double> fractions, Long rows) {

    /** How far the fractions may sum from 1 (rounding in the JSON). */
    static final double SUM_TOLERANCE = 0.001;

    /** Bins {@link #of} aims for: deciles of the reference scores. */
    public static final int DEFAULT_BINS = 10;

    void validate(String where) {
        String at = where + "'reference': ";
        require(
                edges != null && edges.size() >= 2,
                at + "'edges' must list at least 2 bin edges; got " + (edges == null ? "none" : edges.size()));
        for (int i = 0; i < edges.size(); i++) {
            Double edge = edges.get(i);
            require(edge != null && Double.isFinite(edge), at + "'edges' must be finite numbers; got " + edges);
            if (i > 0 && !(edges.get(i - 1) < edge)) {
                throw new ManifestException(at + "'edges' must be strictly increasing; edge " + i + " (" + edge
                        + ") is not above edge " + (i - 1) + " (" + edges.get(i - 1) + ")");
            }
        }
        require(
                fractions != null && fractions.size() == edges.size() - 1,
                at + "'fractions' must hold one fraction per bin (" + (edges.size() - 1) + " for " + edges.size()
                        + " edges); got " + (fractions == null ? "none" : fractions.size()));
        double sum = 0;
        for (Double f : fractions) {
            require(
                    f != null && Double.isFinite(f) && f >= 0 && f <= 1,
                    at + "'fractions' must be numbers from 0 to 1; got " + fractions);
            sum += f;
        }
        require(
                Math.abs(sum - 1) <= SUM_TOLERANCE,
                at + "'fractions' must sum to 1 (the share of the reference rows in each bin); they sum to " + sum);
        require(rows != null && rows > 0, at + "'rows' must be the number of reference rows (> 0); got " + rows);
    }

    /** The edges as an array. */
    public double[] edgeArray() {
        return edges.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The fractions as an array. */
    public double[] fractionArray() {
        return fractions.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * The histogram of {@code scores} over (up to) {@code bins} bins whose edges are the scores'
     * quantiles, so that each bin holds about the same share of the reference and drift shows
     * wherever the scores concentrate (a fraud model's scores crowd near 0; equal-width bins would
     * leave most of them empty). Tied quantiles merge their bins; the outer edges are the lowest
     * and highest score.
     *
     * @throws IllegalArgumentException when there are no scores, or one is not finite
     */
    public static ScoreReference of(float[] scores, int bins) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("no reference scores; a reference histogram needs at least one row");
        }
        double[] sorted = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            if (!Float.isFinite(scores[i])) {
                throw new IllegalArgumentException(
                        "reference row " + i + " scored " + scores[i] + ", which is not a score");
            }
            sorted[i] = scores[i];
        }
        Arrays.sort(sorted);
        List<Double> edges = new ArrayList<>();
        edges.add(sorted[0]);
        for (int b = 1; b < bins; b++) {
            double q = sorted[(int) ((long) b * sorted.length / bins)];
            if (q > edges.get(edges.size() - 1)) {
                edges.add(q);
            }
        }
        double top = sorted[sorted.length - 1];
        if (top > edges.get(edges.size() - 1)) {
            edges.add(top);
        } else {
            edges.add(Math.nextUp(top)); // all scores equal: one bin [top, top+)
        }
        double[] edgeArray = edges.stream().mapToDouble(Double::doubleValue).toArray();
        long[] counts = new long[edgeArray.length - 1];
        for (double s : sorted) {
            counts[bin(edgeArray, s)]++;
        }
        List<Double> fractions = new ArrayList<>(counts.length);
        for (long c : counts) {
            fractions.add((double) c / sorted.length);
        }
        return new ScoreReference(List.copyOf(edges), List.copyOf(fractions), (long) sorted.length);
    }

    /**
     * The bin of {@code score} over {@code edges}: the number of inner edges ({@code edges[1..n-1]})
     * at or below it; scores below the first or above the last edge fall in the outer bins, NaN in
     * the first.
     */
    public static int bin(double[] edges, double score) {
        int lo = 1;
        int hi = edges.length - 1; // inner edges are [1, n-1], i.e. indexes < edges.length - 1
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (edges[mid] <= score) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }
}
