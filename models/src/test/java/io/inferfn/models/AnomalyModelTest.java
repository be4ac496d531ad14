package io.inferfn.models;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;
import io.inferfn.model.FeatureSpec;
import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.OnnxOptions;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.Auc;
import io.inferfn.quantize.Dataset;
import io.inferfn.quantize.ModelVerifier;
import io.inferfn.quantize.Quantizer;
import io.inferfn.scoring.Prediction;
import io.inferfn.scoring.Row;
import io.inferfn.scoring.Scorer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed sensor-anomaly model: its artifacts are what the generator publishes, its manifest
 * derives the training features, it separates faults, and its int8 version stays within the quality
 * gate (max |Δ score| 0.03, AUC drop 0.005) on the holdout and on fresh readings.
 */
class AnomalyModelTest {

    static final String DIR = AnomalyModelGenerator.NAME;
    static final double MAX_ABS_DIFF = 0.03;
    static final double MAX_AUC_DROP = 0.005;

    static LoadedModel fp32;
    static LoadedModel int8;
    static List<SensorData.Sensor> fleet;
    static FeatureStore baselines;

    @BeforeAll
    static void load() throws Exception {
        fp32 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + DIR + "/1");
        int8 = ModelRegistry.local(OnnxOptions.DEFAULTS).load("file:" + DIR + "/2");
        fleet = AnomalyModelGenerator.sensors();
        baselines = storeOf(Path.of(DIR, "sensors.csv"));
    }

    @AfterAll
    static void close() {
        fp32.close();
        int8.close();
    }

    @Test
    void committedArtifactsMatchTheirManifestsAndTheGenerator() throws Exception {
        for (String version : List.of("1", "2")) {
            byte[] onnx = Files.readAllBytes(Path.of(DIR, version, ModelRegistry.MODEL));
            ModelManifest manifest = ModelManifest.parse(
                    Files.readAllBytes(Path.of(DIR, version, ModelRegistry.MANIFEST)), version + "/manifest.json");
            assertThat(manifest.sha256()).isEqualTo(ModelRegistry.sha256(onnx));
            assertThat(manifest.name()).isEqualTo(AnomalyModelGenerator.NAME);
            assertThat(manifest.version()).isEqualTo(version);
        }
        assertThat(fp32.manifest().quantization()).isEqualTo(Quantization.FP32);
        assertThat(int8.manifest().quantization()).isEqualTo(Quantization.INT8);
        // the committed manifest is the generator's, for the committed model
        assertThat(fp32.manifest())
                .isEqualTo(AnomalyModelGenerator.manifest(fp32.manifest().sha256()));
        assertThat(int8.manifest().features()).isEqualTo(fp32.manifest().features());
        assertThat(int8.manifest().inputs()).isEqualTo(fp32.manifest().inputs());
        assertThat(int8.manifest().output()).isEqualTo(fp32.manifest().output());
        assertThat(fp32.manifest().description()).contains("io.inferfn.models.AnomalyModelGenerator");
    }

    @Test
    void servedInt8ArtifactIsTheQuantizerOutputOfTheFp32Reference() throws Exception {
        byte[] reference = Files.readAllBytes(Path.of(DIR, "1", ModelRegistry.MODEL));
        List<SensorData.Reading> train =
                SensorData.readings(fleet, AnomalyModelGenerator.TRAIN_READINGS, AnomalyModelGenerator.TRAIN_SEED);
        byte[] expected = Quantizer.quantize(reference, AnomalyModelGenerator.int8Options(train))
                .model();
        assertThat(Files.readAllBytes(Path.of(DIR, "2", ModelRegistry.MODEL))).isEqualTo(expected);
    }

    @Test
    void manifestAgreesWithTheSessionMetadata() throws Exception {
        for (LoadedModel model : List.of(fp32, int8)) {
            ModelManifest.InputSpec input = model.manifest().input();
            NodeInfo in = model.onnx().session().getInputInfo().get(input.name());
            assertThat(in).as("input %s of %s", input.name(), model.version()).isNotNull();
            assertThat(((TensorInfo) in.getInfo()).getShape()).containsExactly(-1, SensorData.WIDTH);
            assertThat(model.onnx().session().getOutputInfo()).containsKey(OnnxExport.OUTPUT);
            assertThat(model.plan().width()).isEqualTo(SensorData.WIDTH);
        }
        ModelManifest m = fp32.manifest();
        assertThat(m.input().features()).containsExactly("temp_z_band", "vib_z_band", "pres_z_band");
        List<String> request = new ArrayList<>();
        List<String> stored = new ArrayList<>();
        for (FeatureSpec spec : m.features()) {
            if (spec instanceof FeatureSpec.Request f) {
                request.add(f.name());
                assertThat(f.defaultValue())
                        .as("request feature %s is required", f.name())
                        .isNull();
            } else if (spec instanceof FeatureSpec.Store f) {
                stored.add(f.field());
                assertThat(f.key()).isEqualTo("sensor:{entityId}");
                assertThat(f.mayBeMissing())
                        .as("a missing baseline degrades %s", f.name())
                        .isFalse();
                assertThat(f.defaultValue()).isNotNull();
            }
        }
        assertThat(request).isEqualTo(AnomalyModelGenerator.REQUEST_FEATURES);
        assertThat(stored).isEqualTo(AnomalyModelGenerator.BASELINE_FIELDS);
        assertThat(m.output().thresholds()).containsExactly(0.8);
        assertThat(m.output().labels()).containsExactly("normal", "anomaly");
    }

    @Test
    void holdoutSeparatesFaultsAndInt8StaysWithinTheGate() throws Exception {
        Dataset holdout = Dataset.readCsv(Path.of(DIR, "holdout.csv"));
        List<SensorData.Reading> expected = SensorData.readings(fleet, 10_000, AnomalyModelGenerator.HOLDOUT_SEED)
                .subList(0, 5000);
        assertThat(holdout.rows().length).isEqualTo(expected.size());
        for (int i : new int[] {0, 1, 2500, 4999}) {
            double[] x = SensorData.features(expected.get(i));
            assertThat(holdout.rows()[i]).containsExactly((float) x[0], (float) x[1], (float) x[2]);
            assertThat(holdout.labels()[i]).isEqualTo(expected.get(i).anomaly());
        }
        ModelVerifier.Report report = ModelVerifier.verify(
                Files.readAllBytes(Path.of(DIR, "1", ModelRegistry.MODEL)),
                Files.readAllBytes(Path.of(DIR, "2", ModelRegistry.MODEL)),
                holdout,
                -1,
                new int[0]);
        // a model that learned nothing scores AUC ~0.5; the generator's run reached 0.995 on its holdout
        assertThat(report.referenceAuc()).isGreaterThanOrEqualTo(0.95);
        assertThat(report.failures(MAX_ABS_DIFF, MAX_AUC_DROP)).isEmpty();
        assertThat(report.maxAbsDiff()).isLessThanOrEqualTo(MAX_ABS_DIFF);
        assertThat(report.referenceAuc() - report.candidateAuc()).isLessThanOrEqualTo(MAX_AUC_DROP);
    }

    @Test
    void int8StaysWithinTheGateOnFreshReadingsScoredThroughTheManifest() {
        Scorer scorer = new Scorer(baselines);
        List<SensorData.Reading> fresh = SensorData.readings(fleet, 20_000, 4242L);
        List<Row> rows = fresh.stream().map(AnomalyModelTest::row).toList();
        List<Prediction> reference = scorer.scoreBatch(fp32, rows);
        List<Prediction> candidate = scorer.scoreBatch(int8, rows);
        double[] ref = new double[rows.size()];
        double[] cand = new double[rows.size()];
        boolean[] anomaly = new boolean[rows.size()];
        double maxDiff = 0;
        int alerts = 0;
        int caught = 0;
        for (int i = 0; i < ref.length; i++) {
            ref[i] = reference.get(i).score();
            cand[i] = candidate.get(i).score();
            anomaly[i] = fresh.get(i).anomaly();
            maxDiff = Math.max(maxDiff, Math.abs(ref[i] - cand[i]));
            assertThat(candidate.get(i).degraded()).isFalse();
            if (candidate.get(i).label().equals("anomaly")) {
                alerts++;
                caught += anomaly[i] ? 1 : 0;
            }
        }
        assertThat(Auc.of(ref, anomaly)).isGreaterThanOrEqualTo(0.95);
        assertThat(maxDiff).isLessThanOrEqualTo(MAX_ABS_DIFF);
        assertThat(Auc.of(ref, anomaly) - Auc.of(cand, anomaly)).isLessThanOrEqualTo(MAX_AUC_DROP);
        // the alert threshold (0.8) mostly fires on faults
        assertThat((double) caught / alerts).isGreaterThan(0.8);
    }

    @Test
    void manifestPipelineEqualsTheTrainingVector() throws Exception {
        Scorer scorer = new Scorer(baselines);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (SensorData.Reading r : SensorData.readings(fleet, 300, 77L)) {
            float expected = raw(env, fp32, SensorData.features(r));
            Prediction p = scorer.score(fp32, row(r));
            assertThat(p.score()).isEqualTo(expected);
            assertThat(p.degraded()).isFalse();
            assertThat(p.missingFeatures()).isEmpty();
        }
    }

    @Test
    void aRedisOutageStillScoresDegradedAgainstTheFleetDefaults() throws Exception {
        Scorer scorer = new Scorer((keys, fields, count) -> StoreReply.unavailable("redis down"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<Double> d = AnomalyModelGenerator.BASELINE_DEFAULTS;
        SensorData.Sensor fleetWide =
                new SensorData.Sensor("fleet", d.get(0), d.get(1), d.get(2), d.get(3), d.get(4), d.get(5));
        for (SensorData.Reading r : SensorData.readings(fleet, 50, 78L)) {
            Prediction p = scorer.score(int8, row(r));
            assertThat(p.degraded()).isTrue();
            assertThat(p.missingFeatures()).isEqualTo(AnomalyModelGenerator.BASELINE_FIELDS);
            SensorData.Reading againstFleet =
                    new SensorData.Reading(fleetWide, r.temperatureC(), r.vibrationMmS(), r.pressureKpa(), r.fault());
            assertThat(p.score()).isEqualTo(raw(env, int8, SensorData.features(againstFleet)));
        }
    }

    @Test
    void aReadingFarBeyondAnyBaselineStaysAnAnomalyInInt8() {
        Scorer scorer = new Scorer(baselines);
        for (SensorData.Sensor s : fleet.subList(0, 20)) {
            // stuck at the end of the scale, and ten times further than any training reading
            for (double[] reading : new double[][] {
                {-40, s.vibMean(), s.presMean()},
                {s.tempMean(), s.vibMean(), 0},
                {s.tempMean() + 100 * s.tempStd(), s.vibMean(), s.presMean()},
                {s.tempMean(), s.vibMean() + 100 * s.vibStd(), s.presMean()}
            }) {
                Prediction p = scorer.score(
                        int8,
                        Row.of(
                                s.id(),
                                Map.of(
                                        "temperature_c", reading[0],
                                        "vibration_mm_s", reading[1],
                                        "pressure_kpa", reading[2])));
                assertThat(p.label()).as("%s %s", s.id(), p).isEqualTo("anomaly");
            }
        }
    }

    @Test
    void committedDemoDataIsReproducible() throws Exception {
        List<String> sensors = Files.readAllLines(Path.of(DIR, "sensors.csv"));
        assertThat(sensors).hasSize(fleet.size() + 1);
        assertThat(sensors.get(0)).isEqualTo(String.join(",", AnomalyModelGenerator.SENSOR_COLUMNS));
        for (int i = 0; i < fleet.size(); i++) {
            assertThat(sensors.get(i + 1)).isEqualTo(AnomalyModelGenerator.sensorRow(fleet.get(i)));
        }
        List<SensorData.Reading> demo = AnomalyModelGenerator.demoReadings(fleet);
        List<String> readings = Files.readAllLines(Path.of(DIR, "readings.csv"));
        assertThat(readings).hasSize(demo.size() + 1);
        assertThat(readings.get(0)).isEqualTo(String.join(",", AnomalyModelGenerator.READING_COLUMNS));
        long faults = 0;
        for (int i = 0; i < demo.size(); i++) {
            assertThat(readings.get(i + 1)).isEqualTo(AnomalyModelGenerator.readingRow(demo.get(i)));
            faults += demo.get(i).anomaly() ? 1 : 0;
        }
        assertThat((double) faults / demo.size()).isBetween(0.02, 0.05);
        for (String file : List.of("sensors.csv", "readings.csv", "holdout.csv")) {
            assertThat(Files.size(Path.of(DIR, file))).as(file).isLessThan(1 << 20);
        }
    }

    /** A reading as an event carries it: key = sensor id, value = the request features. */
    static Row row(SensorData.Reading r) {
        return Row.of(
                r.sensor().id(),
                Map.of(
                        "temperature_c", r.temperatureC(),
                        "vibration_mm_s", r.vibrationMmS(),
                        "pressure_kpa", r.pressureKpa()));
    }

    /** The raw ORT score of one input vector, without the manifest's feature pipeline. */
    static float raw(OrtEnvironment env, LoadedModel model, double[] x) throws Exception {
        float[] row = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            row[i] = (float) x[i];
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(row), new long[] {1, row.length});
                OrtSession.Result result = model.onnx().session().run(Map.of(OnnxExport.INPUT, in))) {
            return ((float[][]) result.get(0).getValue())[0][0];
        }
    }

    /** A feature store holding {@code sensors.csv} as Redis would: hash {@code sensor:<id>}, string fields. */
    static FeatureStore storeOf(Path sensorsCsv) throws Exception {
        List<String[]> rows;
        try (MappingIterator<String[]> cells = CsvMapper.builder()
                .enable(CsvParser.Feature.WRAP_AS_ARRAY)
                .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
                .build()
                .readerFor(String[].class)
                .readValues(sensorsCsv.toFile())) {
            rows = cells.readAll();
        }
        String[] header = rows.get(0);
        Map<String, Map<String, String>> hashes = new HashMap<>();
        for (String[] cells : rows.subList(1, rows.size())) {
            Map<String, String> hash = new HashMap<>();
            for (int c = 1; c < cells.length; c++) {
                hash.put(header[c], cells[c]);
            }
            hashes.put("sensor:" + cells[0], hash);
        }
        return (keys, fields, count) -> {
            String[][] values = new String[count][];
            for (int k = 0; k < count; k++) {
                Map<String, String> hash = hashes.getOrDefault(keys[k], Map.of());
                values[k] = new String[fields[k].length];
                for (int f = 0; f < fields[k].length; f++) {
                    values[k][f] = hash.get(fields[k][f]);
                }
            }
            return StoreReply.of(values);
        };
    }
}
