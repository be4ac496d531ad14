package io.inferfn.models;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest;
import io.inferfn.model.ModelManifest.DerivedOp;
import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.ModelRegistry;
import io.inferfn.model.Quantization;
import io.inferfn.quantize.ModelPublisher;
import io.inferfn.quantize.QuantizeOptions;

/**
 * Reproducibly generates the demo sensor-anomaly model for event scoring: a synthetic sensor fleet
 * and readings with injected faults ({@link SensorData}), an MLP trained on them, its ONNX export,
 * the manifest, and the demo data. Usage: {@code AnomalyModelGenerator <out-dir>}, where the
 * directory is named {@value #NAME} (the int8 version is published next to the fp32 one under the
 * model's name); writes {@code 1/} (fp32, the reference), {@code 2/} (int8, served),
 * {@code sensors.csv} (the fleet's baselines, for Redis hashes {@code sensor:<id>}),
 * {@code readings.csv} (demo readings with their labels) and {@code holdout.csv} (input vectors).
 */
public final class AnomalyModelGenerator {

    public static final String NAME = "sensor-anomaly";
    public static final long SENSOR_SEED = 31L;
    public static final long TRAIN_SEED = 32L;
    public static final long HOLDOUT_SEED = 33L;
    public static final long DEMO_SEED = 34L;
    public static final int SENSORS = 200;
    public static final int TRAIN_READINGS = 60_000;
    public static final int DEMO_READINGS = 5000;
    public static final String VERSION = "1";
    public static final String INT8_VERSION = "2";
    public static final String STORE_KEY = "sensor:{entityId}";

    /** Hidden layers 16 and 8 over the 3 band columns. */
    static final int[] SIZES = {SensorData.WIDTH, 16, 8, 1};

    /**
     * Decoupled weight decay of the training run. Without it the MLP fits the sharp edge between
     * noise and faults with large weights and activations, and per-tensor int8 cannot resolve them
     * (max |Δ score| 0.077 on the holdout; see models/README.md).
     */
    static final double WEIGHT_DECAY = 1.0;

    /** The request features: one reading, sent as the event's JSON value. */
    public static final List<String> REQUEST_FEATURES = List.of("temperature_c", "vibration_mm_s", "pressure_kpa");

    /** The baseline fields of hash {@code sensor:<id>}, in {@link #sensorRow} order after the id. */
    public static final List<String> BASELINE_FIELDS =
            List.of("temp_mean", "temp_std", "vib_mean", "vib_std", "pres_mean", "pres_std");

    /**
     * Fleet-wide defaults of the baseline fields, for a sensor whose baseline Redis cannot supply:
     * about the mean and deviation of all normal readings across the fleet, so such a reading is
     * judged against the whole fleet (only gross faults stand out) and the prediction is degraded.
     */
    public static final List<Double> BASELINE_DEFAULTS = List.of(60.0, 15.0, 2.5, 1.2, 450.0, 115.0);

    public static final List<String> SENSOR_COLUMNS = columns("sensor_id", BASELINE_FIELDS);
    public static final List<String> READING_COLUMNS =
            List.of("sensor_id", "temperature_c", "vibration_mm_s", "pressure_kpa", "anomaly");

    private AnomalyModelGenerator() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "models/" + NAME);
        if (!out.toAbsolutePath().normalize().getFileName().toString().equals(NAME)) {
            throw new IllegalArgumentException("the output directory must be named " + NAME
                    + ": the int8 version is published to <parent>/" + NAME + "/" + INT8_VERSION + "; got " + out);
        }
        long start = System.nanoTime();
        List<SensorData.Sensor> sensors = sensors();
        List<SensorData.Reading> train = SensorData.readings(sensors, TRAIN_READINGS, TRAIN_SEED);
        List<SensorData.Reading> holdout = SensorData.readings(sensors, 10_000, HOLDOUT_SEED);
        Mlp mlp = train(train);
        double auc = Training.auc(mlp, vectors(holdout), labels(holdout));
        byte[] onnx = OnnxExport.export(mlp, "sensor_anomaly_mlp");
        Path dir = out.resolve(VERSION);
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelRegistry.MODEL), onnx);
        ModelManifest manifest = manifest(ModelRegistry.sha256(onnx));
        Files.write(dir.resolve(ModelRegistry.MANIFEST), manifest.toJson());
        writeCsv(out.resolve("sensors.csv"), SENSOR_COLUMNS, sensors.stream().map(AnomalyModelGenerator::sensorRow));
        writeCsv(
                out.resolve("readings.csv"),
                READING_COLUMNS,
                demoReadings(sensors).stream().map(AnomalyModelGenerator::readingRow));
        List<SensorData.Reading> sample = holdout.subList(0, 5000);
        Training.writeVectors(out.resolve("holdout.csv"), vectors(sample), labels(sample));
        ModelPublisher.Published int8 = Training.publishInt8(out, VERSION, INT8_VERSION, int8Options(train));
        long faults = train.stream().filter(SensorData.Reading::anomaly).count();
        System.out.printf(
                Locale.ROOT,
                "%s model %s: %d training readings (%.2f %% faults), holdout AUC %.5f, %d bytes, sha256 %s, %d ms%n",
                NAME,
                VERSION,
                train.size(),
                100.0 * faults / train.size(),
                auc,
                onnx.length,
                manifest.sha256(),
                (System.nanoTime() - start) / 1_000_000);
        System.out.printf(
                "published %s %s (%s, sha256 %s) at %s%n",
                int8.manifest().name(),
                int8.manifest().version(),
                int8.manifest().quantization().json(),
                int8.manifest().sha256(),
                int8.directory());
    }

    /** The fleet: the sensors of the demo, of the training readings and of {@code sensors.csv}. */
    public static List<SensorData.Sensor> sensors() {
        return SensorData.sensors(SENSORS, SENSOR_SEED);
    }

    /** The demo readings of {@code readings.csv}. */
    public static List<SensorData.Reading> demoReadings(List<SensorData.Sensor> sensors) {
        return SensorData.readings(sensors, DEMO_READINGS, DEMO_SEED);
    }

    /** The served int8 recipe: static QDQ, per tensor, min/max calibrated on all training readings. */
    public static QuantizeOptions int8Options(List<SensorData.Reading> train) {
        return Training.staticInt8(vectors(train));
    }

    static double[][] vectors(List<SensorData.Reading> readings) {
        return Training.vectors(readings, SensorData::features);
    }

    static boolean[] labels(List<SensorData.Reading> readings) {
        return Training.labels(readings, SensorData.Reading::anomaly);
    }

    static Mlp train(List<SensorData.Reading> readings) {
        return Training.train(readings, SensorData::features, SensorData.Reading::anomaly, SIZES, WEIGHT_DECAY);
    }

    /** The manifest: where each of the 3 columns comes from, mirroring {@link SensorData#features}. */
    static ModelManifest manifest(String sha256) {
        List<FeatureSpec> f = new ArrayList<>();
        for (String name : REQUEST_FEATURES) {
            f.add(new FeatureSpec.Request(name, FeatureType.NUMBER, null));
        }
        for (int i = 0; i < BASELINE_FIELDS.size(); i++) {
            String field = BASELINE_FIELDS.get(i);
            f.add(new FeatureSpec.Store(field, STORE_KEY, field, BASELINE_DEFAULTS.get(i), false));
        }
        List<String> columns = new ArrayList<>();
        String[][] channels = {
            {"temp", "temperature_c"},
            {"vib", "vibration_mm_s"},
            {"pres", "pressure_kpa"}
        };
        for (String[] c : channels) {
            String p = c[0];
            f.add(FeatureSpec.Derived.of(p + "_dev", DerivedOp.DIFFERENCE, c[1], p + "_mean"));
            f.add(FeatureSpec.Derived.of(p + "_z", DerivedOp.RATIO, p + "_dev", p + "_std"));
            f.add(FeatureSpec.Derived.bucket(p + "_z_band", p + "_z", SensorData.Z_BANDS));
            columns.add(p + "_z_band");
        }
        return new ModelManifest(
                NAME,
                VERSION,
                sha256,
                Quantization.FP32,
                "Sensor reading anomaly MLP (3 -> 16 -> 8 -> 1) over per-sensor z-score bands, trained on"
                        + " synthetic readings with injected faults by io.inferfn.models.AnomalyModelGenerator;"
                        + " see models/README.md",
                List.of(new ModelManifest.InputSpec(
                        OnnxExport.INPUT, "float32", List.of(-1L, (long) SensorData.WIDTH), columns)),
                f,
                new ModelManifest.OutputSpec(OnnxExport.OUTPUT, 0, List.of(0.8), List.of("normal", "anomaly")),
                null);
    }

    /** One {@code sensors.csv} row, in {@link #SENSOR_COLUMNS} order. */
    public static String sensorRow(SensorData.Sensor s) {
        return String.format(
                Locale.ROOT,
                "%s,%.2f,%.3f,%.3f,%.3f,%.2f,%.3f",
                s.id(),
                s.tempMean(),
                s.tempStd(),
                s.vibMean(),
                s.vibStd(),
                s.presMean(),
                s.presStd());
    }

    /** One {@code readings.csv} row, in {@link #READING_COLUMNS} order. */
    public static String readingRow(SensorData.Reading r) {
        return String.format(
                Locale.ROOT,
                "%s,%.2f,%.2f,%.2f,%b",
                r.sensor().id(),
                r.temperatureC(),
                r.vibrationMmS(),
                r.pressureKpa(),
                r.anomaly());
    }

    private static List<String> columns(String id, List<String> fields) {
        List<String> out = new ArrayList<>();
        out.add(id);
        out.addAll(fields);
        return List.copyOf(out);
    }

    private static void writeCsv(Path file, List<String> header, java.util.stream.Stream<String> rows)
            throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(String.join(",", header));
            w.write('\n');
            for (String row : (Iterable<String>) rows::iterator) {
                w.write(row);
                w.write('\n');
            }
        }
    }
}
