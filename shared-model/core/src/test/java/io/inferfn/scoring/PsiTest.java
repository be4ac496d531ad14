package io.inferfn.scoring;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PsiTest {

    @Test
    void identicalDistributionsHaveAPsiOfZero() {
        assertThat(Psi.of(new double[] {0.2, 0.3, 0.5}, new double[] {0.2, 0.3, 0.5}))
                .isZero();
    }

    @Test
    void psiIsTheSumOfFractionDifferencesTimesTheLogOfTheirRatio() {
        // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.173287 + 0.101366
        assertThat(Psi.of(new double[] {0.5, 0.5}, new double[] {0.25, 0.75})).isCloseTo(0.274653, within(1e-6));
        // (0.3 - 0.1) ln 3 + (0.5 - 0.4) ln 1.25 + (0.2 - 0.5) ln 0.4 = 0.219722 + 0.022314 + 0.274887 (rounded)
        assertThat(Psi.of(new double[] {0.1, 0.4, 0.5}, new double[] {0.3, 0.5, 0.2}))
                .isCloseTo(0.516924, within(1e-6));
    }

    @Test
    void anEmptyBinCountsAsEpsilonInsteadOfMakingThePsiInfinite() {
        // (0.4 - 0.5) ln 0.8 + (0.1 - 0.0001) ln(0.1 / 0.0001) = 0.022314 + 0.690085
        assertThat(Psi.of(new double[] {0.5, 0.5, 0}, new double[] {0.5, 0.4, 0.1}))
                .isCloseTo(0.712399, within(1e-6));
        // the same on the observed side: a bin the live scores never reach
        assertThat(Psi.of(new double[] {0.5, 0.4, 0.1}, new double[] {0.5, 0.5, 0}))
                .isCloseTo(0.712399, within(1e-6));
        assertThat(Psi.EPSILON).isEqualTo(1e-4);
    }

    @Test
    void binCountsMustAgree() {
        assertThatThrownBy(() -> Psi.of(new double[] {0.5, 0.5}, new double[] {1}))
                .hasMessage("PSI needs as many observed bins as reference bins; got 1 for 2");
    }
}
