package io.inferfn.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The demo readings ({@code models/sensor-anomaly/readings.csv}) as the messages sensors publish. */
final class SensorReadings {

    /** One reading: its sensor (the message key), its JSON value, whether a fault was injected. */
    record Reading(String sensorId, String json, boolean anomaly) {}

    private SensorReadings() {}

    /** Columns: the sensor id, the features, the {@code anomaly} label last. */
    static List<Reading> load(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.get(0).split(",");
        List<Reading> readings = new ArrayList<>(lines.size());
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",");
            StringBuilder json = new StringBuilder("{");
            for (int c = 1; c < header.length - 1; c++) {
                json.append(c > 1 ? ", " : "")
                        .append('"')
                        .append(header[c])
                        .append("\": ")
                        .append(cells[c]);
            }
            readings.add(
                    new Reading(cells[0], json.append('}').toString(), Boolean.parseBoolean(cells[header.length - 1])));
        }
        return readings;
    }
}
