package io.inferfn.localstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class SensorReadingsTest {

    @TempDir
    Path dir;

    @Test
    void eachRowIsKeyedByItsSensorWithTheFeaturesAsWrittenAndTheLabelLeftOut() throws Exception {
        Path file = Files.writeString(
                dir.resolve("readings.csv"),
                "sensor_id,temperature_c,vibration_mm_s,pressure_kpa,anomaly\n"
                        + "s-0200,66.70,3.06,332.67,false\n"
                        + "\n"
                        + "\"s-0048\",79.50,-0.69,5.0866e2,true\n");

        List<SensorReadings.Reading> readings = SensorReadings.load(file);

        assertThat(readings)
                .containsExactly(
                        new SensorReadings.Reading(
                                "s-0200",
                                "{\"temperature_c\": 66.70, \"vibration_mm_s\": 3.06, \"pressure_kpa\": 332.67}",
                                false),
                        new SensorReadings.Reading(
                                "s-0048",
                                "{\"temperature_c\": 79.50, \"vibration_mm_s\": -0.69, \"pressure_kpa\": 5.0866e2}",
                                true));
    }
}
