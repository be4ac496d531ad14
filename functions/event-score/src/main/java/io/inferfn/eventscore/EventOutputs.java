package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import io.inferfn.model.LoadedModel;

/**
 * The one Kafka producer of event-score ({@code event-out} channel): predictions, alerts and dead
 * letters, each to its topic. {@link Acks} completes once the broker has acknowledged every
 * record of a batch, which is when the batch's input may be committed.
 */
@ApplicationScoped
public class EventOutputs {

    /** Header naming the model that scored a prediction. */
    public static final String MODEL_HEADER = "inferfn-model";
    /** Header naming the model version that scored a prediction. */
    public static final String VERSION_HEADER = "inferfn-model-version";

    // SmallRye Reactive Messaging's own dead-letter header names, so existing tooling reads ours too
    public static final String DLQ_REASON = "dead-letter-reason";
    public static final String DLQ_TOPIC = "dead-letter-topic";
    public static final String DLQ_PARTITION = "dead-letter-partition";
    public static final String DLQ_OFFSET = "dead-letter-offset";

    /** Bounded by the batch being sent: a batch waits for its acks before the next is read. */
    @Inject
    @Channel("event-out")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<byte[]> out;

    @Inject
    EventScoreConfig config;

    /** Counts a batch's records down to its acknowledgement; the first failure fails the batch. */
    public static final class Acks {
        private final AtomicInteger pending = new AtomicInteger(1);
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        private CompletionStage<Void> ack() {
            if (pending.decrementAndGet() == 0) {
                done.complete(null);
            }
            return CompletableFuture.completedFuture(null);
        }

        private CompletionStage<Void> nack(Throwable failure) {
            done.completeExceptionally(failure);
            return CompletableFuture.completedFuture(null);
        }

        /** Completes when every record sent with these acks is acknowledged; call after the last send. */
        public CompletableFuture<Void> sealed() {
            ack();
            return done;
        }
    }

    public Acks acks() {
        return new Acks();
    }

    /** Model name and version headers, built once per model (each record gets its own header list). */
    public static Header[] modelHeaders(LoadedModel model) {
        return new Header[] {
            new RecordHeader(MODEL_HEADER, model.name().getBytes(StandardCharsets.UTF_8)),
            new RecordHeader(VERSION_HEADER, model.version().getBytes(StandardCharsets.UTF_8))
        };
    }

    public void prediction(String key, byte[] value, Header[] modelHeaders, Acks acks) {
        send(config.predictionsTopic(), key, value, new RecordHeaders(modelHeaders), acks);
    }

    public void alert(String key, byte[] value, Header[] modelHeaders, Acks acks) {
        send(config.alertsTopic(), key, value, new RecordHeaders(modelHeaders), acks);
    }

    /** The original key and value, with why it was not scored and where it came from. */
    public void deadLetter(
            String key, byte[] value, String reason, String topic, int partition, long offset, Acks acks) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DLQ_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_TOPIC, topic.getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        send(config.deadLetterTopic(), key, value == null ? new byte[0] : value, headers, acks);
    }

    private void send(String topic, String key, byte[] value, Headers headers, Acks acks) {
        OutgoingKafkaRecordMetadata<String> meta = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(topic)
                .withKey(key)
                .withHeaders(headers)
                .build();
        acks.pending.incrementAndGet();
        out.send(Message.of(value, Metadata.of(meta), acks::ack, acks::nack));
    }
}
