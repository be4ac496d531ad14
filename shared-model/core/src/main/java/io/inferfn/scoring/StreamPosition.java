package io.inferfn.scoring;

/**
 * Where a message sits in its stream, for window features: each reading is counted once per
 * {@code (partition, offset)}, however often it is delivered.
 *
 * @param partition the stream partition, unique across the streams an entity's readings come from
 *     (a Kafka topic and partition: {@code "sensor-readings-3"}); no whitespace
 * @param offset its position in that partition as decimal digits without leading zeros, increasing
 *     along the partition (a Kafka offset)
 * @param timestampMillis the message's own timestamp (epoch milliseconds), or -1 when it has none:
 *     the event time of a time window that names no {@code time} feature
 */
public record StreamPosition(String partition, String offset, long timestampMillis) {

    /** A Kafka record's position: partition {@code "<topic>-<partition>"}. */
    public static StreamPosition kafka(String topic, int partition, long offset, long timestampMillis) {
        return new StreamPosition(topic + "-" + partition, Long.toString(offset), timestampMillis);
    }
}
