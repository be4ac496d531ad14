package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
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
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

import io.inferfn.model.LoadedModel;

/**
 * The Kafka producers of event-score: predictions and alerts on channel {@code event-out}, dead
 * letters on channel {@code dead-letters}, each record to its topic. {@link Acks} completes once the
 * broker has acknowledged every record of a batch, which is when the batch's input may be committed.
 *
 * <p>Dead letters have a producer of their own, with one record per producer batch ({@code
 * batch.size=0}): a dead-letter topic that refuses writes then gets single records it refuses with
 * {@code RecordTooLargeException} (or an authorization error), retried here with a delay, and never
 * a batch of several, which the Kafka client would split and resend, and split again, for as long
 * as the topic refuses, until its I/O thread dies of a StackOverflowError in the chained futures
 * (KAFKA-8350, kafka-clients 4.1.x). Predictions and alerts never share a producer with them.
 *
 * <p>Records go straight to the channels' producers ({@link KafkaClientService}) with a callback,
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

    /** W3C trace context: a reading's {@code traceparent} goes as it is onto its prediction, alert or dead letter. */
    public static final String TRACEPARENT = "traceparent";
    /** W3C trace context: vendor state that travels with {@link #TRACEPARENT}. */
    public static final String TRACESTATE = "tracestate";

    // SmallRye Reactive Messaging's own dead-letter header names, so existing tooling reads ours too
    public static final String DLQ_REASON = "dead-letter-reason";
    public static final String DLQ_TOPIC = "dead-letter-topic";
    public static final String DLQ_PARTITION = "dead-letter-partition";
    public static final String DLQ_OFFSET = "dead-letter-offset";
    /** Present when the dead letter's value was cut to fit: the original value's size in bytes. */
    public static final String DLQ_ORIGINAL_SIZE = "dead-letter-original-size";
    /** Present when the dead letter's value was cut to fit: the original value's SHA-256, hex. */
    public static final String DLQ_ORIGINAL_SHA256 = "dead-letter-original-sha256";
    /** Present when the dead letter's key was cut to fit: the original key's size in UTF-8 bytes. */
    public static final String DLQ_ORIGINAL_KEY_SIZE = "dead-letter-original-key-size";
    /** Present when the dead letter's key was cut to fit: the original key's SHA-256 (UTF-8), hex. */
    public static final String DLQ_ORIGINAL_KEY_SHA256 = "dead-letter-original-key-sha256";

    /** A key is an entity id: longer than this in a dead letter, it is cut (with its size and hash in headers). */
    static final int MAX_DEAD_LETTER_KEY_CHARS = 256;
    /** A reason longer than this is cut: it never decides whether a dead letter fits. */
    static final int MAX_REASON_CHARS = 2048;
    /** The longest wait between two attempts to deliver a refused dead letter. */
    static final long MAX_RETRY_DELAY_MS = 10_000;

    private static final Logger LOG = Logger.getLogger(EventOutputs.class);

    /** The channel of predictions and alerts. */
    static final String OUT_CHANNEL = "event-out";
    /** The channel of dead letters: a producer of its own, one record per batch. */
    static final String DEAD_LETTER_CHANNEL = "dead-letters";

    /**
     * Declares the channel, so that SmallRye builds its producer from {@code
     * mp.messaging.outgoing.event-out.*} (and reports it in health); nothing is sent through it.
     */
    @Inject
    @Channel(OUT_CHANNEL)
    Emitter<byte[]> channel;

    /** Likewise for {@code mp.messaging.outgoing.dead-letters.*}. */
    @Inject
    @Channel(DEAD_LETTER_CHANNEL)
    Emitter<byte[]> deadLetterChannel;

    @Inject
    KafkaClientService clients;

    private volatile Producer<String, byte[]> producer;
    private volatile Producer<String, byte[]> deadLetterProducer;

    @Inject
    EventScoreConfig config;

    @Inject
    @Readiness // the health check's qualifier: it is also where refusals are counted
    DeadLetterHealthCheck deadLetterHealth;

    /**
     * Sends every dead letter, and resends refused ones after a delay: off the scoring thread, so
     * that a send that blocks (no metadata for a missing dead-letter topic, for up to {@code
     * max.block.ms}; a full buffer) holds up only dead letters, never predictions.
     */
    private final ScheduledExecutorService deadLetters = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "inferfn-dead-letters");
        t.setDaemon(true);
        return t;
    });

    @PreDestroy
    void stopRetries() {
        deadLetters.shutdownNow();
    }

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
        prediction(key, value, modelHeaders, null, acks);
    }

    /** @param trace the reading's trace context headers ({@link #traceHeaders}), or null */
    public void prediction(String key, byte[] value, Header[] modelHeaders, Header[] trace, Acks acks) {
        send(config.predictionsTopic(), key, value, headers(modelHeaders, trace), acks);
    }

    public void alert(String key, byte[] value, Header[] modelHeaders, Acks acks) {
        alert(key, value, modelHeaders, null, acks);
    }

    /** @param trace the reading's trace context headers ({@link #traceHeaders}), or null */
    public void alert(String key, byte[] value, Header[] modelHeaders, Header[] trace, Acks acks) {
        send(config.alertsTopic(), key, value, headers(modelHeaders, trace), acks);
    }

    private static RecordHeaders headers(Header[] modelHeaders, Header[] trace) {
        RecordHeaders headers = new RecordHeaders(modelHeaders);
        if (trace != null) {
            for (Header h : trace) {
                headers.add(h);
            }
        }
        return headers;
    }

    /**
     * The W3C trace context headers of a consumed record ({@code traceparent} and, with it, {@code
     * tracestate}), or null when it has no {@code traceparent}: what its outputs carry on.
     */
    public static Header[] traceHeaders(Headers headers) {
        Header parent = headers.lastHeader(TRACEPARENT);
        if (parent == null) {
            return null;
        }
        Header state = headers.lastHeader(TRACESTATE);
        return state == null ? new Header[] {parent} : new Header[] {parent, state};
    }

    /**
     * The W3C trace context headers of an MSK record as the Lambda event gives them (a list of
     * one-entry maps, header name to bytes), or null when it has no {@code traceparent}.
     */
    public static Header[] traceHeaders(List<Map<String, byte[]>> headers) {
        if (headers == null) {
            return null;
        }
        byte[] parent = null;
        byte[] state = null;
        for (Map<String, byte[]> entry : headers) { // the last of each wins, as Headers.lastHeader
            if (entry == null) {
                continue;
            }
            byte[] p = entry.get(TRACEPARENT);
            if (p != null) {
                parent = p;
            }
            byte[] s = entry.get(TRACESTATE);
            if (s != null) {
                state = s;
            }
        }
        if (parent == null) {
            return null;
        }
        Header parentHeader = new RecordHeader(TRACEPARENT, parent);
        return state == null
                ? new Header[] {parentHeader}
                : new Header[] {parentHeader, new RecordHeader(TRACESTATE, state)};
    }

    /**
     * The original key and value, with why it was not scored and where it came from. A value larger
     * than {@code inferfn.event.dead-letter-max-value-bytes} (or a key longer than 256 characters)
     * is cut to that size, with the original's size and SHA-256 in headers, so that a dead letter
     * always fits in a producer request. A dead letter the topic refuses is retried until it is
     * taken (readiness DOWN meanwhile) unless {@code inferfn.event.dead-letter-retry} is off, in
     * which case the batch fails.
     */
    public void deadLetter(
            String key, byte[] value, String reason, String topic, int partition, long offset, Acks acks) {
        deadLetter(key, value, reason, topic, partition, offset, null, acks);
    }

    /** As {@link #deadLetter(String, byte[], String, String, int, long, Acks)}, carrying the reading's trace context. */
    public void deadLetter(
            String key,
            byte[] value,
            String reason,
            String topic,
            int partition,
            long offset,
            Header[] trace,
            Acks acks) {
        RecordHeaders headers = trace == null ? new RecordHeaders() : new RecordHeaders(trace);
        String why = reason.length() > MAX_REASON_CHARS ? reason.substring(0, MAX_REASON_CHARS) + "..." : reason;
        headers.add(DLQ_REASON, why.getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_TOPIC, topic.getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        headers.add(DLQ_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        int maxValue = config.deadLetterMaxValueBytes();
        if (value != null && value.length > maxValue) {
            headers.add(DLQ_ORIGINAL_SIZE, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            headers.add(DLQ_ORIGINAL_SHA256, sha256(value));
            value = Arrays.copyOf(value, maxValue);
        }
        if (key != null && key.length() > MAX_DEAD_LETTER_KEY_CHARS) {
            byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            headers.add(DLQ_ORIGINAL_KEY_SIZE, Integer.toString(utf8.length).getBytes(StandardCharsets.UTF_8));
            headers.add(DLQ_ORIGINAL_KEY_SHA256, sha256(utf8));
            key = key.substring(0, MAX_DEAD_LETTER_KEY_CHARS);
        }
        acks.pending.incrementAndGet();
        // a null value (tombstone) stays null
        DeadLetterSend send =
                new DeadLetterSend(new ProducerRecord<>(config.deadLetterTopic(), null, key, value, headers), acks);
        try {
            deadLetters.execute(send::send);
        } catch (RejectedExecutionException e) { // shutting down
            acks.onCompletion(null, e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
                    .getBytes(StandardCharsets.US_ASCII);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * One dead letter until the broker takes it. Refusals (the topic's max.message.bytes, an ACL,
     * a policy, the broker gone past delivery.timeout.ms) are retried with a growing delay, so the
     * batch that holds it stays unacknowledged and its offsets uncommitted, but the channel keeps
     * running and resumes by itself once the topic accepts again.
     */
    private final class DeadLetterSend implements Callback {
        private final ProducerRecord<String, byte[]> record;
        private final Acks acks;
        private int attempts;

        DeadLetterSend(ProducerRecord<String, byte[]> record, Acks acks) {
            this.record = record;
            this.acks = acks;
        }

        void send() {
            try {
                // a fresh record per attempt: the producer makes a sent record's headers read-only
                deadLetterProducer()
                        .send(
                                new ProducerRecord<>(
                                        record.topic(),
                                        null,
                                        record.key(),
                                        record.value(),
                                        new RecordHeaders(record.headers().toArray())),
                                this);
            } catch (RuntimeException e) { // e.g. no metadata within max.block.ms
                onCompletion(null, e);
            }
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception failure) {
            if (failure == null) {
                if (attempts > 0) {
                    deadLetterHealth.delivered();
                    LOG.infof("Dead-letter topic %s took a dead letter after %d refusal(s)", record.topic(), attempts);
                }
                acks.ack();
                return;
            }
            if (!config.deadLetterRetry() || deadLetters.isShutdown()) {
                acks.onCompletion(null, failure);
                return;
            }
            if (attempts++ == 0) {
                deadLetterHealth.refused(record.topic(), failure);
                LOG.errorf(
                        "Dead-letter topic %s refused a dead letter (%s); retrying until it takes it, offsets are"
                                + " not committed past it",
                        record.topic(), failure.toString());
            }
            long delay = Math.min(MAX_RETRY_DELAY_MS, 250L << Math.min(attempts, 10));
            try {
                deadLetters.schedule(this::send, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) { // shutting down
                acks.onCompletion(null, failure);
            }
        }
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
            p = clients.<String, byte[]>getProducer(OUT_CHANNEL).unwrap();
            producer = p;
        }
        return p;
    }

    private Producer<String, byte[]> deadLetterProducer() {
        Producer<String, byte[]> p = deadLetterProducer;
        if (p == null) {
            p = clients.<String, byte[]>getProducer(DEAD_LETTER_CHANNEL).unwrap();
            deadLetterProducer = p;
        }
        return p;
    }
}
