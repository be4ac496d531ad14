package io.inferfn.scoring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.Test;

import io.inferfn.model.ScoreReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ScoreDriftTest {

    /** Two bins, [0, 0.5) and [0.5, 1], half the reference in each. */
    static final ScoreReference HALVES = new ScoreReference(List.of(0.0, 0.5, 1.0), List.of(0.5, 0.5), 1000L);

    static final long MINUTE = Duration.ofMinutes(1).toNanos();

    final AtomicLong clock = new AtomicLong(1_000_000);

    ScoreDrift drift(Duration window, long minScores) {
        return new ScoreDrift(HALVES, new ScoreDrift.Window(window, minScores), clock::get);
    }

    static void score(ScoreDrift drift, int n, float score) {
        AtomicLongArray bins = drift.bins();
        for (int i = 0; i < n; i++) {
            drift.record(bins, score);
        }
        drift.counted(n);
    }

    @Test
    void thePsiComparesTheObservedFractionsWithTheReference() {
        ScoreDrift drift = drift(Duration.ofMinutes(1), 1);
        score(drift, 25, 0.1f);
        score(drift, 75, 0.9f);
        assertThat(drift.fractions()).containsExactly(0.25, 0.75);
        assertThat(drift.psi()).isCloseTo(0.274653, within(1e-6));
        assertThat(drift.observed()).isEqualTo(100);
    }

    @Test
    void scoresOutsideTheEdgesFallInTheOuterBins() {
        ScoreDrift drift = drift(Duration.ZERO, 1);
        score(drift, 3, -7f);
        score(drift, 1, 0.5f); // an edge belongs to the bin it opens
        score(drift, 4, 12f);
        assertThat(drift.fractions()).containsExactly(3 / 8.0, 5 / 8.0);
    }

    @Test
    void tooFewScoresGiveNoPsi() {
        ScoreDrift drift = drift(Duration.ofMinutes(1), 100);
        assertThat(drift.psi()).isNaN();
        score(drift, 99, 0.1f);
        assertThat(drift.psi()).isNaN();
        score(drift, 1, 0.9f);
        assertThat(drift.psi()).isGreaterThan(0.25);
    }

    @Test
    void aDriftShowsWithinTwoWindowsHoweverLongTheStableHistoryBefore() {
        ScoreDrift drift = drift(Duration.ofMinutes(1), 1);
        for (int minute = 0; minute < 60; minute++) { // an hour of scores like the reference
            score(drift, 50, 0.1f);
            score(drift, 50, 0.9f);
            clock.addAndGet(MINUTE);
        }
        assertThat(drift.psi()).isZero();
        score(drift, 100, 0.9f); // the scores shift: every one in the upper bin
        assertThat(drift.fractions()).containsExactly(0.25, 0.75); // still half the previous window
        clock.addAndGet(MINUTE);
        score(drift, 100, 0.9f);
        assertThat(drift.fractions()).containsExactly(0.0, 1.0); // the stable hour is gone
        assertThat(drift.psi()).isCloseTo((0.0001 - 0.5) * Math.log(0.0001 / 0.5) + 0.5 * Math.log(2), within(1e-9));
        assertThat(drift.observed()).isEqualTo(6200);
    }

    @Test
    void aQuietStretchLongerThanAWindowEmptiesBothSets() {
        ScoreDrift drift = drift(Duration.ofMinutes(1), 1);
        score(drift, 10, 0.1f);
        clock.addAndGet(MINUTE);
        score(drift, 10, 0.9f);
        clock.addAndGet(5 * MINUTE);
        assertThat(drift.psi()).isNaN();
        score(drift, 10, 0.9f);
        assertThat(drift.fractions()).containsExactly(0.0, 1.0);
    }

    @Test
    void aZeroWindowIsCumulativeSinceStart() {
        ScoreDrift drift = drift(Duration.ZERO, 1);
        score(drift, 30, 0.1f);
        clock.addAndGet(1000 * MINUTE);
        score(drift, 10, 0.9f);
        assertThat(drift.fractions()).containsExactly(0.75, 0.25);
    }
}
