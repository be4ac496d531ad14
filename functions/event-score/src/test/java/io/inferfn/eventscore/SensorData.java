package io.inferfn.eventscore;

import java.nio.file.Path;
import java.util.List;

import io.inferfn.localstack.LocalRedis;
import io.inferfn.localstack.RedisHashes;
import io.inferfn.localstack.SensorReadings;

/**
 * The demo sensor fleet of {@code models/sensor-anomaly}: baselines for Redis ({@code sensors.csv})
 * and labelled readings ({@code readings.csv}) as the JSON values sensors publish.
 */
final class SensorData {

    static final Path DIR = Path.of("../../models/sensor-anomaly");

    private SensorData() {}

    /** Writes every sensor's baseline hash {@code sensor:<id>} to Redis, as the CLI's demo does. */
    static int seedRedis(LocalRedis redis) {
        return RedisHashes.load(redis.uri(), DIR.resolve("sensors.csv"), "sensor:");
    }

    /** The demo readings, in file order, as the CLI's demo and {@code bench events} publish them. */
    static List<SensorReadings.Reading> readings() {
        return SensorReadings.load(DIR.resolve("readings.csv"));
    }
}
