package io.inferfn.batch;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;

import org.junit.jupiter.api.Test;

import io.inferfn.model.ModelManifest.FeatureType;

import static org.assertj.core.api.Assertions.assertThat;

/** Source values become the model's declared types the same way for tables and files. */
class ConversionsTest {

    @Test
    void databaseAndFileValuesBecomeTheDeclaredType() {
        assertThat(Conversions.toFeature(new BigDecimal("12.50"), FeatureType.NUMBER))
                .isEqualTo(12.5);
        assertThat(Conversions.toFeature(" 7 ", FeatureType.NUMBER)).isEqualTo(7.0);
        assertThat(Conversions.toFeature((short) 1, FeatureType.BOOLEAN)).isEqualTo(true);
        assertThat(Conversions.toFeature(0, FeatureType.BOOLEAN)).isEqualTo(false);
        assertThat(Conversions.toFeature("TRUE", FeatureType.BOOLEAN)).isEqualTo(true);
        assertThat(Conversions.toFeature(3, FeatureType.STRING)).isEqualTo("3");
        assertThat(Conversions.toFeature(LocalDate.of(2026, 11, 24), FeatureType.TIMESTAMP))
                .isEqualTo((double) OffsetDateTime.parse("2026-11-24T00:00:00Z").toEpochSecond());
        assertThat(Conversions.toFeature("2026-11-24T08:00:00Z", FeatureType.TIMESTAMP))
                .isEqualTo("2026-11-24T08:00:00Z"); // ISO text is parsed by the plan
        assertThat(Conversions.toFeature("", FeatureType.NUMBER)).isNull();
    }

    @Test
    void valuesThatDoNotConvertPassThroughForScoringToReject() {
        assertThat(Conversions.toFeature("lots", FeatureType.NUMBER)).isEqualTo("lots");
        assertThat(Conversions.toFeature(2, FeatureType.BOOLEAN)).isEqualTo(2);
        assertThat(Conversions.toFeature("maybe", FeatureType.BOOLEAN)).isEqualTo("maybe");
    }
}
