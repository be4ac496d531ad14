package io.inferfn.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * event-score's Kafka consumer and producer settings, read from its {@code application.properties}
 * (the {@code sensor-readings} and {@code event-out} channels, default profile), as {@code consumer.<name>} and
 * {@code producer.<name>}: what the bench's pass-through consumer and Kafka Streams peer run with, so
 * that the three differ in what they do with a reading and not in how they talk to the broker.
 */
final class EventClientSettings {

    static final String IN = "mp.messaging.incoming.sensor-readings.";
    static final String OUT = "mp.messaging.outgoing.event-out.";
    /** Each side sets these itself (addresses, names, the types it reads and writes). */
    static final Set<String> OWN = Set.of(
            "bootstrap.servers",
            "group.id",
            "client.id",
            "key.deserializer",
            "value.deserializer",
            "key.serializer",
            "value.serializer");

    private EventClientSettings() {}

    static Map<String, String> of(Path applicationProperties) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(applicationProperties)) {
            p.load(r);
        }
        Map<String, String> settings = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(IN)) {
                String name = key.substring(IN.length());
                if (ConsumerConfig.configNames().contains(name) && !OWN.contains(name)) {
                    settings.put("consumer." + name, p.getProperty(key));
                }
            } else if (key.startsWith(OUT)) {
                String name = key.substring(OUT.length());
                if (ProducerConfig.configNames().contains(name) && !OWN.contains(name)) {
                    settings.put("producer." + name, p.getProperty(key));
                }
            }
        }
        return settings;
    }
}
