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
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

/**
 * Lambda trigger: one SQS or MSK event source mapping batch, scored as one batch into the
 * predictions and alerts topics. SQS: the answer lists exactly the messages to redeliver
 * ({@code batchItemFailures}; the queue's redrive policy moves a message that keeps failing to its
 * dead-letter queue). MSK: records that cannot be scored go to the dead-letter topic, and an output
 * the broker did not acknowledge fails the invocation, so the whole batch is retried.
 */
public class EventScoreHandler implements RequestHandler<JsonNode, EventScoreHandler.BatchResponse> {

    private static final Logger LOG = Logger.getLogger(EventScoreHandler.class);

    @Inject
    EventBatches batches;

    @Inject
    EventScoreConfig config;

    @Inject
    ObjectMapper json;

    private static final TypeReference<List<SqsMessage>> SQS = new TypeReference<>() {};
    private static final TypeReference<Map<String, List<MskRecord>>> MSK = new TypeReference<>() {};

    /** One SQS message: the body is the reading's JSON (with its entity id field). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SqsMessage(String messageId, String body, String eventSourceARN) {}

    /** One MSK record: key and value base64-encoded. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record MskRecord(String topic, int partition, long offset, String key, String value) {}

    /** The SQS partial batch response; empty for MSK. */
    public record BatchResponse(List<ItemFailure> batchItemFailures) {}

    /** One message SQS should deliver again. */
    public record ItemFailure(String itemIdentifier) {}

    /**
     * The event as a tree: SQS batches carry {@code "Records"}, MSK batches {@code "records"} (by
     * topic-partition), and the Lambda runtime's mapper matches property names case-insensitively.
     */
    @Override
    public BatchResponse handleRequest(JsonNode event, Context context) {
        try {
            long budget = budgetMillis(context);
            if (event.has("Records")) {
                return sqs(json.convertValue(event.get("Records"), SQS), budget);
            }
            if (event.has("records")) {
                msk(json.convertValue(event.get("records"), MSK), budget);
                return new BatchResponse(List.of());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "malformed " + event.path("eventSource").asText("queue") + " event: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("not an SQS or MSK event (eventSource " + event.path("eventSource")
                + "): expected \"Records\" (SQS) or \"records\" (MSK)");
    }

    /** The output wait: the configured one, but never past the invocation's own deadline (2 s kept to answer). */
    private long budgetMillis(Context context) {
        long configured = config.outputTimeout().toMillis();
        if (context == null || context.getRemainingTimeInMillis() <= 0) {
            return configured;
        }
        return Math.max(100, Math.min(configured, context.getRemainingTimeInMillis() - 2000L));
    }

    private BatchResponse sqs(List<SqsMessage> messages, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>(messages.size());
        for (SqsMessage m : messages) {
            byte[] body = m.body() == null ? null : m.body().getBytes(StandardCharsets.UTF_8);
            batch.add(new EventBatches.Inbound(null, body, queueName(m.eventSourceARN()), -1, -1));
        }
        EventBatches.Result result;
        try {
            result = batches.process(batch, false);
        } catch (RuntimeException e) {
            // a fault, not a bad message (no model, a bug): every message goes back to the queue
            LOG.errorf(e, "Scoring %d SQS message(s) failed; all reported failed", messages.size());
            return new BatchResponse(
                    messages.stream().map(m -> new ItemFailure(m.messageId())).toList());
        }
        List<ItemFailure> failures = new ArrayList<>();
        String[] rejections = result.outcomes().rejections();
        Throwable outputFailure = await(result, budget);
        for (int i = 0; i < messages.size(); i++) {
            if (outputFailure != null || rejections[i] != null) {
                failures.add(new ItemFailure(messages.get(i).messageId()));
                if (rejections[i] != null) {
                    LOG.warnf(
                            "SQS message %s not scored, left to the queue's redrive: %s",
                            messages.get(i).messageId(), rejections[i]);
                }
            }
        }
        if (outputFailure != null) {
            LOG.errorf(
                    "Outputs of %d SQS message(s) not acknowledged, all reported failed: %s",
                    messages.size(), outputFailure);
        }
        return new BatchResponse(failures);
    }

    private void msk(Map<String, List<MskRecord>> partitions, long budget) {
        List<EventBatches.Inbound> batch = new ArrayList<>();
        Base64.Decoder base64 = Base64.getDecoder();
        for (List<MskRecord> records : partitions.values()) {
            for (MskRecord r : records) {
                String key;
                byte[] value;
                try {
                    key = r.key() == null ? null : new String(base64.decode(r.key()), StandardCharsets.UTF_8);
                    value = r.value() == null ? null : base64.decode(r.value());
                } catch (IllegalArgumentException e) { // not base64: the record is dead-lettered with that reason
                    key = null;
                    value = ("not base64: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
                }
                batch.add(new EventBatches.Inbound(key, value, r.topic(), r.partition(), r.offset()));
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
