package io.inferfn.eventscore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.localstack.LocalRedis;

/**
 * The demo sensor fleet of {@code models/sensor-anomaly}: baselines for Redis ({@code sensors.csv})
 * and labelled readings ({@code readings.csv}) as the JSON values sensors publish.
 */
final class SensorData {

    static final Path DIR = Path.of("../../models/sensor-anomaly");

    /** One demo reading: its sensor, its JSON value and whether the generator injected a fault. */
    record Reading(String sensorId, String json, boolean anomaly) {}

    private SensorData() {}

    /** Writes every sensor's baseline hash {@code sensor:<id>} to Redis. */
    static int seedRedis(LocalRedis redis) {
        List<String[]> rows = csv(DIR.resolve("sensors.csv"));
        String[] header = rows.get(0);
        for (String[] row : rows.subList(1, rows.size())) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (int c = 1; c < header.length; c++) {
                fields.put(header[c], row[c]);
            }
            redis.hset("sensor:" + row[0], fields);
        }
        return rows.size() - 1;
    }

    /** The demo readings, in file order. */
    static List<Reading> readings() {
        List<String[]> rows = csv(DIR.resolve("readings.csv"));
        String[] header = rows.get(0);
        List<Reading> readings = new ArrayList<>(rows.size());
        for (String[] row : rows.subList(1, rows.size())) {
            StringBuilder json = new StringBuilder("{");
            for (int c = 1; c < header.length - 1; c++) {
                json.append(c > 1 ? "," : "")
                        .append('"')
                        .append(header[c])
                        .append("\":")
                        .append(row[c]);
            }
            readings.add(
                    new Reading(row[0], json.append('}').toString(), Boolean.parseBoolean(row[header.length - 1])));
        }
        return readings;
    }

    private static List<String[]> csv(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(l -> !l.isBlank())
                    .map(l -> l.split(","))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
