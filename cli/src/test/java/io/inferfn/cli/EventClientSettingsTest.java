package io.inferfn.cli;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The pass-through and the Kafka Streams peer of {@code bench events} talk to the broker as event-score does. */
class EventClientSettingsTest {

    static final Path EVENT_SCORE = Path.of("../functions/event-score/src/main/resources/application.properties");

    @Test
    void thePeersGetEventScoresConsumerAndProducerSettingsAndNothingElse() throws Exception {
        Map<String, String> settings = EventClientSettings.of(EVENT_SCORE);

        assertThat(settings)
                .containsEntry("consumer.max.poll.records", "1000")
                .containsEntry("consumer.fetch.min.bytes", "32768")
                .containsEntry("consumer.fetch.max.wait.ms", "5")
                .containsEntry("consumer.auto.offset.reset", "earliest")
                .containsEntry("producer.acks", "all")
                .containsEntry("producer.linger.ms", "5")
                .containsEntry("producer.batch.size", "131072");
        // SmallRye's own attributes, other channels, profiles, names and (de)serializers are not client settings
        assertThat(settings.keySet())
                .allMatch(k -> k.startsWith("consumer.") || k.startsWith("producer."))
                .noneMatch(k -> k.contains("serializer") || k.contains("group.id") || k.contains("topic"))
                .doesNotContain("consumer.max-queue-size-factor", "consumer.commit-strategy", "producer.max.block.ms");
    }
}
