package io.inferfn.eventscore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.inferfn.runtime.RedisFeatureStore;

/**
 * Kafka trigger: each poll of {@code sensor-readings} (channel {@code sensor-readings}) is scored as
 * one batch into {@code predictions}, {@code alerts} and the dead-letter topic; its offsets are
 * committed only once the broker has acknowledged all of those (at least once). The channel starts paused and is
 * resumed once the feature store has warmed up.
 */
@ApplicationScoped
public class SensorReadingsProcessor {

    /**
     * Batches whose outputs are still on their way to the broker. The next poll is scored while the
     * previous ones are acknowledged; past this many, scoring waits, the consumer stops requesting,
     * and SmallRye pauses the partitions (backpressure instead of an unbounded queue).
     */
    static final int IN_FLIGHT_BATCHES = 8;

    private final Semaphore inFlight = new Semaphore(IN_FLIGHT_BATCHES);

    static final String CHANNEL = "sensor-readings";

    @Inject
    EventBatches batches;

    @Inject
    RedisFeatureStore store;

    @Inject
    ChannelRegistry channels;

    /**
     * Resumes the channel, paused from the start ({@code pausable.initially-paused}), once the feature store's warm-up
     * is over ({@link RedisFeatureStore#warmUp}, bounded by {@code inferfn.feature-store.warm-up-timeout}): readings
     * are scored from then on, on warm Redis paths, whether or not Redis answered. Channels are wired before this runs
     * (SmallRye's own start observer comes first); on Lambda the channel is off and there is nothing to resume.
     */
    void resumeOnceWarm(@Observes StartupEvent event) {
        PausableChannel channel = channels.getPausable(CHANNEL);
        if (channel != null) {
            store.warmedUp().thenRun(channel::resume);
        }
    }

    @Incoming(CHANNEL)
    @Blocking
    public CompletionStage<Void> score(KafkaRecordBatch<String, byte[]> poll) throws InterruptedException {
        @SuppressWarnings("unchecked")
        ConsumerRecords<String, byte[]> records = poll.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow()
                .getRecords();
        List<EventBatches.Inbound> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> r : records) {
            batch.add(new EventBatches.Inbound(
                    r.key(),
                    r.value(),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    r.timestamp(),
                    EventOutputs.traceHeaders(r.headers())));
        }
        inFlight.acquire();
        CompletableFuture<Void> acked;
        try {
            acked = batches.process(batch, true).acked();
        } catch (RuntimeException e) {
            // not a bad message (those are dead letters) but a fault: no model after the wait, a bug. The nack
            // stops the channel (liveness DOWN) with the cause, and the poll's offsets stay uncommitted.
            inFlight.release();
            return poll.nack(e);
        }
        // The poll is acknowledged (its offsets become committable) only once the broker has every
        // output; the commit strategy commits contiguous acknowledged offsets only, so a later batch
        // acked first never commits past an earlier one. A batch whose outputs failed is nacked:
        // the channel fails (liveness DOWN) and its offsets stay uncommitted for the next consumer.
        // off the Kafka producer's I/O thread: a nack closes the consumer, which may wait
        acked.whenCompleteAsync(
                (done, failure) -> {
                    inFlight.release();
                    if (failure == null) {
                        poll.ack();
                    } else {
                        poll.nack(failure);
                    }
                },
                Infrastructure.getDefaultExecutor());
        return CompletableFuture.completedFuture(null);
    }
}
