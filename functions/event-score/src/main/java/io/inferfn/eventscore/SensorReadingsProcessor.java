package io.inferfn.eventscore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka trigger: each poll of {@code sensor-readings} (channel {@code sensor-readings}) is scored as
 * one batch into {@code predictions}, {@code alerts} and the dead-letter topic; its offsets are
 * committed only once the broker has acknowledged all of those (at least once).
 */
@ApplicationScoped
public class SensorReadingsProcessor {

    @Inject
    EventBatches batches;

    @Incoming("sensor-readings")
    @Blocking
    public CompletionStage<Void> score(KafkaRecordBatch<String, byte[]> poll) {
        @SuppressWarnings("unchecked")
        ConsumerRecords<String, byte[]> records = poll.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow()
                .getRecords();
        List<EventBatches.Inbound> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
            batch.add(new EventBatches.Inbound(r.key(), r.value(), r.topic(), r.partition(), r.offset()));
        }
        // a batch whose outputs were not all acknowledged is nacked: the channel fails (health DOWN)
        // and its offsets stay uncommitted, so the next consumer of the partition scores it again
        return batches.process(batch, true)
                .acked()
                .handle((done, failure) -> failure == null ? poll.ack() : poll.nack(failure))
                .thenCompose(next -> next);
    }
}
