package io.inferfn.runtime;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;

import static org.assertj.core.api.Assertions.assertThat;

/** Priming scores the real demo model through the whole scoring path without any feature store. */
class SnapStartPrimingTest {

    @Test
    void primesEveryModelWithRowsItAccepts() {
        try (LoadedModel fraud = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:../../models/fraud/2")) {
            int predictions = SnapStartPriming.prime(List.of(fraud));
            assertThat(predictions).isEqualTo(SnapStartPriming.ROUNDS + SnapStartPriming.ROUNDS / 16 * 64);
            assertThat(SnapStartPriming.syntheticRow(fraud.manifest()).features())
                    .containsKeys("amount", "merchant_category", "timestamp", "card_present");
        }
    }
}
