package io.inferfn.eventscore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
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
 * Lambda trigger: one SQS or MSK event source mapping batch, scored as one batch into the
 * predictions and alerts topics. SQS: the answer lists exactly the messages to redeliver
 * ({@code batchItemFailures}; the queue's redrive policy moves a message that keeps failing to its
 * dead-letter queue). MSK: records that cannot be scored go to the dead-letter topic, and an output
 * the broker did not acknowledge fails the invocation, so the whole batch is retried.
 */
public class EventScoreHandler implements RequestHandler<EventScoreHandler.Batch, SQSBatchResponse> {

    private static final Logger LOG = Logger.getLogger(EventScoreHandler.class);

    @Inject
    EventBatches batches;

    @Inject
    EventScoreConfig config;

    /**
     * One event source mapping batch, as {@code aws-lambda-java-events} types. A Kafka batch (MSK or
     * self-managed) names its source in a top-level {@code eventSource}; an SQS batch has none there
     * (each message carries its own), so it is the default.
     */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "eventSource", visible = true, defaultImpl = SqsBatch.class)
    @JsonSubTypes(
            @JsonSubTypes.Type(
                    value = MskBatch.class,
                    names = {"aws:kafka", "SelfManagedKafka"}))
    // a native image registers the handler's declared input type for reflection, not what Jackson picks under it
    @RegisterForReflection(
            targets = {
                SqsBatch.class,
                SQSEvent.class,
                SQSMessage.class,
                SQSEvent.MessageAttribute.class,
                MskBatch.class,
                KafkaEvent.class,
                KafkaEventRecord.class,
                KafkaEvent.SchemaMetadata.class
            })
    public sealed interface Batch permits SqsBatch, MskBatch {}

    /** An SQS batch: {@code "Records"}, one message each. */
    public static final class SqsBatch extends SQSEvent implements Batch {}

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
        if (event instanceof SqsBatch sqs && sqs.getRecords() != null) {
            return sqs(sqs.getRecords(), budget);
        }
        if (event instanceof MskBatch msk && msk.getRecords() != null) {
            msk(msk.getRecords(), budget);
            return new SQSBatchResponse(List.of());
        }
        throw new IllegalArgumentException("not an SQS or MSK event: expected \"Records\" (SQS) or \"records\" (MSK)");
    }

    /** The output wait: the configured one, but never past the invocation's own deadline (2 s kept to answer). */
    private long budgetMillis(Context context) {
        long configured = config.outputTimeout().toMillis();
        if (context == null || context.getRemainingTimeInMillis() <= 0) {
            return configured;
        }
        return Math.max(100, Math.min(configured, context.getRemainingTimeInMillis() - 2000L));
    }

    private SQSBatchResponse sqs(List<SQSMessage> messages, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>(messages.size());
        for (SQSMessage m : messages) {
            byte[] body = m.getBody() == null ? null : m.getBody().getBytes(StandardCharsets.UTF_8);
            batch.add(new EventBatches.Inbound(null, body, queueName(m.getEventSourceArn()), -1, -1));
        }
        EventBatches.Result result;
        try {
            result = batches.process(batch, false);
        } catch (RuntimeException e) {
            // a fault, not a bad message (no model, a bug): every message goes back to the queue
            LOG.errorf(e, "Scoring %d SQS message(s) failed; all reported failed", messages.size());
            return new SQSBatchResponse(messages.stream()
                    .map(m -> new BatchItemFailure(m.getMessageId()))
                    .toList());
        }
        List<BatchItemFailure> failures = new ArrayList<>();
        String[] rejections = result.outcomes().rejections();
        Throwable outputFailure = await(result, budget);
        for (int i = 0; i < messages.size(); i++) {
            if (outputFailure != null || rejections[i] != null) {
                failures.add(new BatchItemFailure(messages.get(i).getMessageId()));
                if (rejections[i] != null) {
                    LOG.warnf(
                            "SQS message %s not scored, left to the queue's redrive: %s",
                            messages.get(i).getMessageId(), rejections[i]);
                }
            }
        }
        if (outputFailure != null) {
            LOG.errorf(
                    "Outputs of %d SQS message(s) not acknowledged, all reported failed: %s",
                    messages.size(), outputFailure);
        }
        return new SQSBatchResponse(failures);
    }

    private void msk(Map<String, List<KafkaEventRecord>> partitions, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (List<KafkaEventRecord> records : partitions.values()) {
            for (KafkaEventRecord r : records) {
                String key;
                byte[] value;
                try {
                    key = r.getKey() == null ? null : new String(base64.decode(r.getKey()), StandardCharsets.UTF_8);
                    value = r.getValue() == null ? null : base64.decode(r.getValue()); // null: a tombstone
                } catch (IllegalArgumentException e) { // not base64: the record is dead-lettered with that reason
                    key = null;
                    value = ("not base64: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
                }
                batch.add(new EventBatches.Inbound(
                        key,
                        value,
                        r.getTopic(),
                        r.getPartition(),
                        r.getOffset(),
                        r.getTimestamp(),
                        EventOutputs.traceHeaders(r.getHeaders())));
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

    private static String queueName(String arn) {
        if (arn == null) {
            return "sqs";
        }
        int colon = arn.lastIndexOf(':');
        return colon < 0 ? arn : arn.substring(colon + 1);
    }
}
