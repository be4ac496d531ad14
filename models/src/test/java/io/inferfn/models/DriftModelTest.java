package io.inferfn.models;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OrtEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;
import io.inferfn.features.WindowScript;
import io.inferfn.features.WindowUpdate;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.quantize.Dataset;
import io.inferfn.quantize.ModelVerifier;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed sensor-drift model: its artifacts are what the generator publishes, its manifest
 * (window features included) derives the training features, it separates faults and drifts, and the
 * demo's slow drift is caught by it and by nothing that reads one reading at a time.
 */
class DriftModelTest {

    static final String DIR = DriftModelGenerator.NAME;

    static LoadedModel fp32;
    static LoadedModel perReading;
    static FeatureStore baselines;

    @BeforeAll
    static void load() throws Exception {
        fp32 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + DIR + "/1");
        perReading = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:sensor-anomaly/2");
        baselines = AnomalyModelTest.storeOf(Path.of("sensor-anomaly", "sensors.csv"));
    }

    @AfterAll
    static void close() {
        fp32.close();
        perReading.close();
    }

    @Test
    void committedArtifactsMatchTheirManifests() throws Exception {
        for (String version : List.of("1")) {
            byte[] onnx = Files.readAllBytes(Path.of(DIR, version, ModelRegistry.MODEL));
            ModelManifest manifest = ModelManifest.parse(
                    Files.readAllBytes(Path.of(DIR, version, ModelRegistry.MANIFEST)), version + "/manifest.json");
            assertThat(manifest.sha256()).isEqualTo(ModelRegistry.sha256(onnx));
            assertThat(manifest.name()).isEqualTo(DriftModelGenerator.NAME);
        }
        assertThat(fp32.plan().hasWindows()).isTrue();
    }

    @Test
    void itSeparatesFaultsAndDriftsOnTheHoldout() throws Exception {
        Dataset holdout = Dataset.readCsv(Path.of(DIR, "holdout.csv"));
        byte[] onnx = Files.readAllBytes(Path.of(DIR, "1", ModelRegistry.MODEL));
        ModelVerifier.Report report = ModelVerifier.verify(onnx, onnx, holdout, -1, new int[0]);
        // a model that learned nothing scores AUC ~0.5; the generator's run reached 0.961 on its holdout
        assertThat(report.referenceAuc()).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void theManifestGivesTheScoresOfTheTrainingFeatures() throws Exception {
        List<DriftModelGenerator.Row> stream = DriftModelGenerator.demo(AnomalyModelGenerator.sensors());
        List<Prediction> served = new Scorer(windowsOf(stream)).scoreBatch(fp32, rows(stream));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (int i = 0; i < stream.size(); i++) {
            float direct = AnomalyModelTest.raw(env, fp32, DriftModelGenerator.features(stream.get(i)));
            assertThat(served.get(i).score()).as("reading %d", i).isEqualTo(direct);
            assertThat(served.get(i).degraded()).isFalse();
        }
    }

    @Test
    void aSlowDriftIsCaughtByTheWindowAndByNoSingleReading() {
        List<DriftModelGenerator.Row> stream = DriftModelGenerator.demo(AnomalyModelGenerator.sensors());
        List<Prediction> drift = new Scorer(windowsOf(stream)).scoreBatch(fp32, rows(stream));
        List<Prediction> single = new Scorer(baselines).scoreBatch(perReading, plainRows(stream));
        int firstAlert = -1;
        for (int i = 0; i < stream.size(); i++) {
            assertThat(single.get(i).label())
                    .as("sensor-anomaly on reading %d", i)
                    .isEqualTo("normal");
            if (i < DriftModelGenerator.DEMO_NORMAL) {
                assertThat(drift.get(i).label())
                        .as("sensor-drift before the drift, reading %d", i)
                        .isEqualTo("normal");
            } else if (firstAlert < 0 && "anomaly".equals(drift.get(i).label())) {
                firstAlert = i;
            }
        }
        assertThat(firstAlert).as("the drift is alerted").isPositive();
        System.out.printf(
                Locale.ROOT,
                "drift alerted at reading %d (%.2f σ into the drift)%n",
                firstAlert,
                DriftModelGenerator.DEMO_RATE * (firstAlert - DriftModelGenerator.DEMO_NORMAL + 1));
    }

    private static List<Row> plainRows(List<DriftModelGenerator.Row> stream) {
        List<Row> rows = new ArrayList<>();
        for (DriftModelGenerator.Row r : stream) {
            rows.add(Row.of(r.reading().sensor().id(), reading(r)));
        }
        return rows;
    }

    private static List<Row> rows(List<DriftModelGenerator.Row> stream) {
        return plainRows(stream);
    }

    private static Map<String, Object> reading(DriftModelGenerator.Row r) {
        return Map.of(
                "temperature_c", r.reading().temperatureC(),
                "vibration_mm_s", r.reading().vibrationMmS(),
                "pressure_kpa", r.reading().pressureKpa());
    }

    /**
     * The baselines, and the windows as Redis would answer them for {@code stream} scored in one
     * batch: op {@code 3 r + c} is row {@code r}'s channel {@code c} (temperature, vibration,
     * pressure: the manifest's window order), answered with the count and mean the generator gave it.
     */
    private static FeatureStore windowsOf(List<DriftModelGenerator.Row> stream) {
        return new FeatureStore() {
            @Override
            public StoreReply fetch(String[] keys, String[][] fields, int count) {
                return baselines.fetch(keys, fields, count);
            }

            @Override
            public StoreReply fetch(String[] keys, String[][] fields, int count, WindowUpdate windows) {
                assertThat(windows.ops()).isEqualTo(3 * stream.size());
                for (int op = 0; op < windows.ops(); op++) {
                    DriftModelGenerator.Row r = stream.get(op / 3);
                    int at = op * WindowScript.STATS;
                    boolean empty = r.count() == 0;
                    windows.answer(at, Integer.toString(r.count()));
                    windows.answer(at + 1, empty ? "" : Double.toString(r.recent()[op % 3]));
                    for (int j = 2; j < WindowScript.STATS; j++) {
                        windows.answer(at + j, "");
                    }
                }
                return fetch(keys, fields, count);
            }
        };
    }
}
