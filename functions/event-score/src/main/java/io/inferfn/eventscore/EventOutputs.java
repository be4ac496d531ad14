package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import io.inferfn.model.LoadedModel;

/**
 * The one Kafka producer of event-score ({@code event-out} channel): predictions, alerts and dead
 * letters, each to its topic. {@link Acks} completes once the broker has acknowledged every
 * record of a batch, which is when the batch's input may be committed.
 *
 * <p>Records go straight to the channel's producer ({@link KafkaClientService}) with a callback,
 * not through the emitter's per-message reactive pipeline: that pipeline (message, metadata,
 * context capture, Mutiny stages per record) cost more than the scoring in a profile, for
 * thousands of records per poll.
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

    /**
     * Declares the channel, so that SmallRye builds its producer from {@code
     * mp.messaging.outgoing.event-out.*} (and reports it in health); nothing is sent through it.
     */
    @Inject
    @Channel("event-out")
    Emitter<byte[]> channel;

    @Inject
    KafkaClientService clients;

    private volatile Producer<String, byte[]> producer;

    @Inject
    EventScoreConfig config;

    /** Counts a batch's records down to its acknowledgement; the first failure fails the batch. */
    public static final class Acks implements Callback {
        private final AtomicInteger pending = new AtomicInteger(1);
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onCompletion(RecordMetadata metadata, Exception failure) {
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                ack();
            }
        }

        private void ack() {
            if (pending.decrementAndGet() == 0) {
                done.complete(null);
            }
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
        send(config.deadLetterTopic(), key, value, headers, acks); // a null value (tombstone) stays null
    }

    private void send(String topic, String key, byte[] value, Headers headers, Acks acks) {
        acks.pending.incrementAndGet();
        try {
            producer().send(new ProducerRecord<>(topic, null, key, value, headers), acks);
        } catch (RuntimeException e) { // e.g. no metadata within max.block.ms: the batch fails
            acks.onCompletion(null, e);
        }
    }

    private Producer<String, byte[]> producer() {
        Producer<String, byte[]> p = producer;
        if (p == null) {
            p = clients.<String, byte[]>getProducer("event-out").unwrap();
            producer = p;
        }
        return p;
    }
}
