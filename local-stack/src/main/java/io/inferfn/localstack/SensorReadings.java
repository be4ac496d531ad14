package io.inferfn.localstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo readings ({@code models/sensor-anomaly/readings.csv}) as the messages sensors publish:
 * one reader for the CLI's demo and {@code bench events} and for the event-score tests.
 */
public final class SensorReadings {

    /** One reading: its sensor (the message key), its JSON value, whether a fault was injected. */
    public record Reading(String sensorId, String json, boolean anomaly) {}

    private SensorReadings() {}

    /**
     * Columns: the sensor id, the features, the {@code anomaly} label last. The features are numbers
     * and go into the JSON value as written in the file, e.g. {@code {"temperature_c": 66.70, ...}}.
     */
    public static List<Reading> load(Path csv) {
        RedisHashes.Csv table = RedisHashes.read(csv);
        List<String> header = table.header();
        int label = header.size() - 1;
        List<Reading> readings = new ArrayList<>(table.rows().size());
        for (String[] cells : table.rows()) {
            StringBuilder json = new StringBuilder("{");
            for (int c = 1; c < label; c++) {
                json.append(c > 1 ? ", " : "")
                        .append('"')
                        .append(header.get(c))
                        .append("\": ")
                        .append(cells[c]);
            }
            readings.add(new Reading(cells[0], json.append('}').toString(), Boolean.parseBoolean(cells[label])));
        }
        return readings;
    }
}
