package io.inferfn.models;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A synthetic fleet of industrial sensors and their readings, for the demo sensor-anomaly model. The
 * generating process, which the README of {@code models/} documents, is:
 *
 * <ul>
 *   <li><b>Sensors</b> ({@code s-0001} ...), each with its normal operating baseline, as the
 *       feature store holds it: temperature mean ~ U(35, 85) °C with deviation ~ U(0.8, 2.5);
 *       vibration mean ~ lognormal(ln 2.5, 0.4) mm/s with deviation = mean × U(0.08, 0.15);
 *       pressure mean ~ U(250, 650) kPa with deviation ~ U(3, 12).
 *   <li><b>Readings</b>: a uniformly drawn sensor; each channel = mean + deviation × N(0, 1),
 *       independently. With probability {@link #FAULT_RATE} a fault is injected, in σ of the sensor's
 *       own deviation: {@link Fault#SPIKE} (35 %, one channel ±U(5, 9)σ; vibration only up),
 *       {@link Fault#DRIFT} (20 %, one channel ±U(3.5, 5.5)σ), {@link Fault#OVERHEAT} (25 %,
 *       temperature +U(3, 5)σ and vibration +U(3, 5)σ), {@link Fault#LEAK} (15 %, pressure −U(3,
 *       5)σ and temperature +U(2, 4)σ), {@link Fault#STUCK_AT_RAIL} (5 %, one channel reads the
 *       end of its scale: −40 °C, 0 mm/s or 0 kPa, tens of σ away). Readings are rounded to 0.01.
 *   <li><b>Anomaly</b> = a fault was injected. Drifts and the two-channel faults overlap the tails
 *       of normal noise, so not every fault is separable from a single reading.
 * </ul>
 *
 * Drawn from {@link SplittableRandom} with fixed seeds: a run reproduces the same sensors, readings,
 * weights and {@code model.onnx} bytes.
 */
public final class SensorData {

    /** Share of readings with an injected fault. */
    public static final double FAULT_RATE = 0.03;

    /**
     * The z-score bands the model reads: boundaries every {@value #Z_STEP} σ from -{@value #Z_LIMIT}
     * to +{@value #Z_LIMIT}. A band index is bounded (0 .. 49) however far a reading is from its
     * baseline, so a sensor stuck at the end of its scale cannot stretch the int8 ranges.
     */
    public static final double Z_LIMIT = 6;

    public static final double Z_STEP = 0.25;

    /** The band boundaries, ascending: -6, -5.75, ..., 6. */
    public static final List<Double> Z_BANDS = bands();

    /** Number of model input columns: the band of each channel's z-score. */
    public static final int WIDTH = 3;

    /** Fault injected into a reading. */
    public enum Fault {
        SPIKE,
        DRIFT,
        OVERHEAT,
        LEAK,
        STUCK_AT_RAIL
    }

    private SensorData() {}

    /** One sensor and its baseline (mean and deviation of each channel in normal operation). */
    public record Sensor(
            String id,
            double tempMean,
            double tempStd,
            double vibMean,
            double vibStd,
            double presMean,
            double presStd) {}

    /** One reading of a sensor; {@code fault} is null for a normal reading. */
    public record Reading(Sensor sensor, double temperatureC, double vibrationMmS, double pressureKpa, Fault fault) {

        public boolean anomaly() {
            return fault != null;
        }
    }

    /** Sensor ids: {@code s-0001}, ... */
    public static String id(int n) {
        return String.format("s-%04d", n);
    }

    /** {@code count} sensors numbered from 1. */
    public static List<Sensor> sensors(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Sensor> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double tempMean = 35 + 50 * random.nextDouble();
            double tempStd = 0.8 + 1.7 * random.nextDouble();
            double vibMean = Math.exp(Math.log(2.5) + 0.4 * Draws.gaussian(random));
            double vibStd = vibMean * (0.08 + 0.07 * random.nextDouble());
            double presMean = 250 + 400 * random.nextDouble();
            double presStd = 3 + 9 * random.nextDouble();
            out.add(new Sensor(
                    id(i + 1),
                    Draws.round2(tempMean),
                    round3(tempStd),
                    round3(vibMean),
                    round3(vibStd),
                    Draws.round2(presMean),
                    round3(presStd)));
        }
        return out;
    }

    /** {@code count} readings of uniformly drawn {@code sensors}. */
    public static List<Reading> readings(List<Sensor> sensors, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Reading> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(reading(sensors.get(random.nextInt(sensors.size())), random));
        }
        return out;
    }

    /** One reading of {@code s} drawn from {@code random}. */
    public static Reading reading(Sensor s, SplittableRandom random) {
        double[] z = {Draws.gaussian(random), Draws.gaussian(random), Draws.gaussian(random)};
        Fault fault = null;
        int rail = -1;
        if (random.nextDouble() < FAULT_RATE) {
            fault = Fault.values()[Draws.pick(random, 0.35, 0.2, 0.25, 0.15, 0.05)];
            switch (fault) {
                case SPIKE -> shift(z, random, 5, 9);
                case DRIFT -> shift(z, random, 3.5, 5.5);
                case OVERHEAT -> {
                    z[0] += uniform(random, 3, 5);
                    z[1] += uniform(random, 3, 5);
                }
                case LEAK -> {
                    z[2] -= uniform(random, 3, 5);
                    z[0] += uniform(random, 2, 4);
                }
                case STUCK_AT_RAIL -> rail = random.nextInt(3);
            }
        }
        double temp = rail == 0 ? -40 : Draws.round2(s.tempMean() + s.tempStd() * z[0]);
        double vib = rail == 1 ? 0 : Draws.round2(Math.max(0, s.vibMean() + s.vibStd() * z[1]));
        double pres = rail == 2 ? 0 : Draws.round2(s.presMean() + s.presStd() * z[2]);
        return new Reading(s, temp, vib, pres, fault);
    }

    /** One channel moves by U(lo, hi)σ: temperature and pressure either way, vibration up. */
    private static void shift(double[] z, SplittableRandom random, double lo, double hi) {
        int channel = random.nextInt(3);
        double sign = channel == 1 || random.nextDouble() < 0.5 ? 1 : -1;
        z[channel] += sign * uniform(random, lo, hi);
    }

    private static double uniform(SplittableRandom random, double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    /**
     * The model's input row, exactly as the manifest derives it: per channel, the z-score against
     * the sensor's baseline ({@code difference} then {@code ratio}), then its band
     * ({@code bucket} over {@link #Z_BANDS}).
     */
    public static double[] features(Reading r) {
        Sensor s = r.sensor();
        return new double[] {
            band((r.temperatureC() - s.tempMean()) / s.tempStd()),
            band((r.vibrationMmS() - s.vibMean()) / s.vibStd()),
            band((r.pressureKpa() - s.presMean()) / s.presStd())
        };
    }

    /** The number of band boundaries at or below {@code z}, as the manifest's bucket op counts. */
    static double band(double z) {
        int k = 0;
        for (double b : Z_BANDS) {
            if (b <= z) {
                k++;
            }
        }
        return k;
    }

    private static List<Double> bands() {
        int n = (int) Math.round(2 * Z_LIMIT / Z_STEP) + 1;
        List<Double> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(-Z_LIMIT + i * Z_STEP);
        }
        return List.copyOf(out);
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
