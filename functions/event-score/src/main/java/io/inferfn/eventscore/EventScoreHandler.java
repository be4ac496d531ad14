package io.inferfn.eventscore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.inject.Inject;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent.KafkaEventRecord;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent.KinesisEventRecord;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse.BatchItemFailure;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent.SQSMessage;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.quarkus.runtime.annotations.RegisterForReflection;
import org.jboss.logging.Logger;

import io.inferfn.runtime.metrics.InvocationMetrics;

/**
 * Lambda trigger: one SQS, Kinesis or MSK event source mapping batch, scored as one batch into the
 * predictions and alerts topics. SQS and Kinesis: the answer lists exactly the messages to retry
 * ({@code batchItemFailures}, by message id for SQS, by sequence number for Kinesis); the queue's
 * redrive policy, or the Kinesis mapping's retry limit and on-failure destination, deal with a
 * message that keeps failing. MSK: records that cannot be scored go to the dead-letter topic, and
 * an output the broker did not acknowledge fails the invocation, so the whole batch is retried.
 */
public class EventScoreHandler implements RequestHandler<EventScoreHandler.Batch, SQSBatchResponse> {

    private static final Logger LOG = Logger.getLogger(EventScoreHandler.class);

    @Inject
    EventBatches batches;

    @Inject
    EventScoreConfig config;

    /**
     * One event source mapping batch, as {@code aws-lambda-java-events} types. A Kafka batch (MSK or
     * self-managed) names its source in a top-level {@code eventSource}; an SQS or Kinesis batch has
     * none there (each record carries its own, see {@link Item}), so it is the default.
     */
    @JsonTypeInfo(
            use = JsonTypeInfo.Id.NAME,
            property = "eventSource",
            visible = true,
            defaultImpl = RecordsBatch.class)
    @JsonSubTypes(
            @JsonSubTypes.Type(
                    value = MskBatch.class,
                    names = {"aws:kafka", "SelfManagedKafka"}))
    // a native image registers the handler's declared input type for reflection, not what Jackson picks under it
    @RegisterForReflection(
            targets = {
                RecordsBatch.class,
                SqsRecord.class,
                SQSMessage.class,
                SQSEvent.MessageAttribute.class,
                KinesisRecord.class,
                KinesisEventRecord.class,
                KinesisEvent.Record.class,
                com.amazonaws.services.lambda.runtime.events.models.kinesis.Record.class,
                MskBatch.class,
                KafkaEvent.class,
                KafkaEventRecord.class,
                KafkaEvent.SchemaMetadata.class
            })
    public sealed interface Batch permits RecordsBatch, MskBatch {}

    /**
     * An SQS or a Kinesis batch: {@code "Records"}, the shape of {@link SQSEvent} and of {@link
     * KinesisEvent}. One event source mapping feeds one invocation, so all its records are of one kind.
     */
    public static final class RecordsBatch implements Batch {
        private List<Item> records;

        public List<Item> getRecords() {
            return records;
        }

        public void setRecords(List<Item> records) {
            this.records = records;
        }
    }

    /**
     * One record of {@code "Records"}, which names its source in its own {@code eventSource}: an SQS
     * message ({@code aws:sqs}, the default) or a Kinesis record ({@code aws:kinesis}).
     */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "eventSource", visible = true, defaultImpl = SqsRecord.class)
    @JsonSubTypes({
        @JsonSubTypes.Type(value = SqsRecord.class, name = "aws:sqs"),
        @JsonSubTypes.Type(value = KinesisRecord.class, name = "aws:kinesis")
    })
    public sealed interface Item permits SqsRecord, KinesisRecord {}

    /** An SQS message: its body is the reading. */
    public static final class SqsRecord extends SQSMessage implements Item {}

    /** A Kinesis Data Streams record: {@code kinesis.data} (base64) is the reading. */
    public static final class KinesisRecord extends KinesisEventRecord implements Item {}

    /** An MSK batch: {@code "records"} by topic-partition, keys and values base64-encoded. */
    public static final class MskBatch extends KafkaEvent implements Batch {}

    @Inject
    InvocationMetrics metrics;

    /** One batch; its metrics leave as EMF lines as the invocation ends, whatever its outcome. */
    @Override
    public SQSBatchResponse handleRequest(Batch event, Context context) {
        try {
            return score(event, context);
        } finally {
            metrics.invocationEnded();
        }
    }

    private SQSBatchResponse score(Batch event, Context context) {
        long budget = budgetMillis(context);
        if (event instanceof RecordsBatch records && records.getRecords() != null) {
            List<Item> items = records.getRecords();
            if (items.isEmpty()) {
                return new SQSBatchResponse(List.of());
            }
            if (items.get(0) instanceof KinesisRecord) {
                return kinesis(items, budget);
            }
            return sqs(items, budget);
        }
        if (event instanceof MskBatch msk && msk.getRecords() != null) {
            msk(msk.getRecords(), budget);
            return new SQSBatchResponse(List.of());
        }
        throw new IllegalArgumentException(
                "not an SQS, Kinesis or MSK event: expected \"Records\" (SQS, Kinesis) or \"records\" (MSK)");
    }

    /** The output wait: the configured one, but never past the invocation's own deadline (2 s kept to answer). */
    private long budgetMillis(Context context) {
        long configured = config.outputTimeout().toMillis();
        if (context == null || context.getRemainingTimeInMillis() <= 0) {
            return configured;
        }
        return Math.max(100, Math.min(configured, context.getRemainingTimeInMillis() - 2000L));
    }

    private SQSBatchResponse sqs(List<Item> items, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>(items.size());
        String[] ids = new String[items.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(items.get(i) instanceof SqsRecord m)) {
                throw new IllegalArgumentException("an SQS batch holds a record of another source at index " + i);
            }
            byte[] body = m.getBody() == null ? null : m.getBody().getBytes(StandardCharsets.UTF_8);
            batch.add(new EventBatches.Inbound(null, body, sourceName(m.getEventSourceArn()), -1, -1));
            ids[i] = m.getMessageId();
        }
        return partial(batch, ids, "SQS message", "left to the queue's redrive", budget);
    }

    /**
     * A Kinesis batch (one shard's records): each record's data is a reading; its entity is the value's
     * entity field, or the partition key when the value has none (a partition key is often chosen only to
     * spread records over shards, so it does not conflict with the field). A record that cannot be scored is reported by sequence
     * number; Lambda then retries from the lowest one reported, and after the mapping's retry limit
     * (or record age) hands that shard's range to the on-failure destination and moves on.
     * Kinesis records carry no headers, so there is no trace context to carry on. The answer is the
     * JSON of {@code StreamsEventResponse}, which {@link SQSBatchResponse} shares.
     */
    private SQSBatchResponse kinesis(List<Item> items, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>(items.size());
        String[] ids = new String[items.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(items.get(i) instanceof KinesisRecord r) || r.getKinesis() == null) {
                throw new IllegalArgumentException(
                        "a Kinesis batch holds a record without \"kinesis\" data at index " + i);
            }
            KinesisEvent.Record k = r.getKinesis();
            Date arrival = k.getApproximateArrivalTimestamp();
            batch.add(new EventBatches.Inbound(
                    k.getPartitionKey(),
                    bytes(k.getData()),
                    sourceName(r.getEventSourceARN()),
                    -1,
                    -1,
                    arrival == null ? -1 : arrival.getTime(),
                    null,
                    true)); // a partition key often only spreads load: the value's entity field wins over it
            ids[i] = k.getSequenceNumber();
        }
        return partial(batch, ids, "Kinesis record", "left to the mapping's retries", budget);
    }

    /** A record's data: the decoded base64 bytes as Jackson gives them (a heap buffer over exactly those). */
    private static byte[] bytes(ByteBuffer data) {
        if (data == null) {
            return null;
        }
        if (data.hasArray()
                && data.arrayOffset() == 0
                && data.position() == 0
                && data.remaining() == data.array().length) {
            return data.array();
        }
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return copy;
    }

    /**
     * Scores a batch whose failures are answered, not dead-lettered: {@code ids} are the messages'
     * item identifiers, by index.
     */
    private SQSBatchResponse partial(
            List<EventBatches.Inbound> batch, String[] ids, String what, String fate, long budget) {
        EventBatches.Result result;
        try {
            result = batches.process(batch, false);
        } catch (RuntimeException e) {
            // a fault, not a bad message (no model, a bug): every message goes back to be retried
            LOG.errorf(e, "Scoring %d %s(s) failed; all reported failed", ids.length, what);
            List<BatchItemFailure> all = new ArrayList<>(ids.length);
            for (String id : ids) {
                all.add(new BatchItemFailure(id));
            }
            return new SQSBatchResponse(all);
        }
        List<BatchItemFailure> failures = new ArrayList<>();
        String[] rejections = result.rejections();
        Throwable outputFailure = await(result, budget);
        for (int i = 0; i < ids.length; i++) {
            if (outputFailure != null || rejections[i] != null) {
                failures.add(new BatchItemFailure(ids[i]));
                if (rejections[i] != null) {
                    LOG.warnf("%s %s not scored, %s: %s", what, ids[i], fate, rejections[i]);
                }
            }
        }
        if (outputFailure != null) {
            LOG.errorf(
                    "Outputs of %d %s(s) not acknowledged, all reported failed: %s", ids.length, what, outputFailure);
        }
        return new SQSBatchResponse(failures);
    }

    private void msk(Map<String, List<KafkaEventRecord>> partitions, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (List<KafkaEventRecord> records : partitions.values()) {
            for (KafkaEventRecord r : records) {
                String key = r.getKey();
                byte[] value = null; // null: a tombstone
                String undecodable = null;
                try {
                    key = key == null ? null : new String(base64.decode(key), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) { // dead-lettered with that reason, the key as the event had it
                    undecodable = notBase64("key", e);
                }
                try {
                    value = r.getValue() == null ? null : base64.decode(r.getValue());
                } catch (IllegalArgumentException e) { // dead-lettered with that reason, the value as the event had it
                    value = r.getValue().getBytes(StandardCharsets.UTF_8);
                    undecodable = undecodable == null ? notBase64("value", e) : undecodable;
                }
                batch.add(new EventBatches.Inbound(
                        key,
                        value,
                        r.getTopic(),
                        r.getPartition(),
                        r.getOffset(),
                        r.getTimestamp(),
                        EventOutputs.traceHeaders(r.getHeaders()),
                        false,
                        undecodable));
            }
        }
        Throwable failure = await(batches.process(batch, true), budget);
        if (failure != null) {
            throw new IllegalStateException(
                    "outputs of " + batch.size() + " MSK record(s) not acknowledged; the batch" + " is retried: "
                            + failure.getMessage(),
                    failure);
        }
    }

    private static String notBase64(String part, IllegalArgumentException e) {
        return part + " is not base64 (" + e.getMessage() + "): expected the record's " + part
                + " base64-encoded, as an MSK event source mapping sends it";
    }

    private Throwable await(EventBatches.Result result, long budget) {
        try {
            result.acked().get(budget, TimeUnit.MILLISECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            return new TimeoutException("no acknowledgement within " + budget + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /** The queue or stream name of an ARN ({@code ...:queue-name}, {@code ...:stream/stream-name}). */
    private static String sourceName(String arn) {
        if (arn == null) {
            return "unknown";
        }
        int cut = Math.max(arn.lastIndexOf(':'), arn.lastIndexOf('/'));
        return cut < 0 ? arn : arn.substring(cut + 1);
    }
}
