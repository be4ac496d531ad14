package io.inferfn.model;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScoreReferenceTest {

    static ModelManifest withReference(String reference) {
        String json = ModelManifestTest.VALID.substring(0, ModelManifestTest.VALID.lastIndexOf('}'))
                + ", \"reference\": " + reference + "}";
        return ModelManifest.parse(json.getBytes(StandardCharsets.UTF_8), "test/manifest.json");
    }

    @Test
    void aManifestMayCarryAReferenceHistogramOfScores() {
        ModelManifest m = withReference("{\"edges\": [0, 0.2, 1], \"fractions\": [0.7, 0.3], \"rows\": 5000}");
        assertThat(m.reference()).isEqualTo(new ScoreReference(List.of(0.0, 0.2, 1.0), List.of(0.7, 0.3), 5000L));
        assertThat(ModelManifest.parse(m.toJson(), "again")).isEqualTo(m);
        assertThat(ModelManifestTest.parse(ModelManifestTest.VALID).reference()).isNull();
        assertThat(new String(ModelManifestTest.parse(ModelManifestTest.VALID).toJson(), StandardCharsets.UTF_8))
                .doesNotContain("reference");
    }

    @Test
    void aMalformedReferenceFailsTheManifestSayingWhatIsExpected() {
        assertThatThrownBy(() -> withReference(
                        "{\"edges\": [0, 0.5, 0.5, 1], \"fractions\": [0.2, 0.3, 0.5]," + " \"rows\": 10}"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("manifest test/manifest.json: 'reference': 'edges' must be strictly increasing; edge 2"
                        + " (0.5) is not above edge 1 (0.5)");
        assertThatThrownBy(() ->
                        withReference("{\"edges\": [0, 0.5, 1], \"fractions\": [0.2, 0.3, 0.5]," + " \"rows\": 10}"))
                .hasMessage("manifest test/manifest.json: 'reference': 'fractions' must hold one fraction per bin"
                        + " (2 for 3 edges); got 3");
        assertThatThrownBy(() -> withReference("{\"edges\": [0, 0.5, 1], \"fractions\": [0.2, 0.3], \"rows\": 10}"))
                .hasMessage("manifest test/manifest.json: 'reference': 'fractions' must sum to 1 (the share of the"
                        + " reference rows in each bin); they sum to 0.5");
        assertThatThrownBy(() -> withReference("{\"edges\": [0.5], \"fractions\": [], \"rows\": 10}"))
                .hasMessage("manifest test/manifest.json: 'reference': 'edges' must list at least 2 bin edges; got 1");
        assertThatThrownBy(() -> withReference("{\"edges\": [0, 1], \"fractions\": [1]}"))
                .hasMessage("manifest test/manifest.json: 'reference': 'rows' must be the number of reference rows"
                        + " (> 0); got null");
        assertThatThrownBy(() -> withReference("{\"edges\": [0, 1], \"fractions\": [-1, 2], \"rows\": 3}"))
                .hasMessageContaining("'fractions' must hold one fraction per bin");
    }

    @Test
    void ofBinsScoresAtTheirDecilesSoEachBinHoldsItsShare() {
        float[] scores = new float[100];
        for (int i = 0; i < 100; i++) {
            scores[i] = (99 - i) / 100f; // 0.00 .. 0.99, unsorted
        }
        ScoreReference r = ScoreReference.of(scores, 10);
        assertThat(r.edges()).hasSize(11);
        assertThat(r.edges().get(0)).isEqualTo(0.0);
        assertThat(r.edges().get(1)).isEqualTo(0.1f, org.assertj.core.api.Assertions.within(1e-7));
        assertThat(r.edges().get(10)).isEqualTo(0.99f, org.assertj.core.api.Assertions.within(1e-7));
        assertThat(r.fractions()).containsOnly(0.1);
        assertThat(r.rows()).isEqualTo(100);
        r.validate("");
    }

    @Test
    void tiedScoresMergeTheirBins() {
        float[] scores = new float[100];
        for (int i = 50; i < 100; i++) {
            scores[i] = 1f; // half the rows score exactly 0, half exactly 1
        }
        ScoreReference r = ScoreReference.of(scores, 10);
        assertThat(r.edges()).containsExactly(0.0, 1.0, Math.nextUp(1.0));
        assertThat(r.fractions()).containsExactly(0.5, 0.5);
        assertThat(ScoreReference.of(new float[] {0.3f, 0.3f}, 10).fractions()).containsExactly(1.0);
    }

    @Test
    void binsAreHalfOpenAndTheOuterBinsTakeEverythingBeyond() {
        double[] edges = {0, 0.5, 1};
        assertThat(ScoreReference.bin(edges, -3)).isZero();
        assertThat(ScoreReference.bin(edges, 0.49)).isZero();
        assertThat(ScoreReference.bin(edges, 0.5)).isOne();
        assertThat(ScoreReference.bin(edges, 1.0)).isOne();
        assertThat(ScoreReference.bin(edges, 7)).isOne();
        assertThat(ScoreReference.bin(new double[] {0, 1}, 7)).isZero();
    }
}
