package io.inferfn.bench.streams;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import redis.clients.jedis.Jedis;

/**
 * event-score's job as the Kafka Streams application a user would write instead: each reading of the
 * readings topic is scored with its sensor's baselines from Redis (one {@code HMGET}) and the
 * int8 anomaly model in ONNX Runtime (one call), the prediction to the predictions topic, an
 * anomaly also to the alerts topic, an unreadable reading to the dead-letter topic with the reason
 * in a header. Kafka Streams processes a record at a time, so there is no batch to share a Redis
 * round trip or an ORT call: that is the peer's design, not a handicap added here.
 *
 * <p>Arguments are {@code key=value}: {@code readings}, {@code predictions}, {@code alerts}, {@code
 * dead-letters} (topics), {@code redis} ({@code host:port}), {@code model} (the model directory);
 * every other pair is a Kafka Streams (or, prefixed {@code consumer.} / {@code producer.}, a client)
 * property, {@code application.id} and {@code bootstrap.servers} among them.
 */
public final class StreamsPeer {

    /** The model's features, as its manifest names them: the reading's field, and its baselines in Redis. */
    static final String[] READING = {"temperature_c", "vibration_mm_s", "pressure_kpa"};

    static final String[] BASELINES = {"temp_mean", "temp_std", "vib_mean", "vib_std", "pres_mean", "pres_std"};
    /** The manifest's defaults for a sensor Redis does not know. */
    static final double[] DEFAULTS = {60.0, 15.0, 2.5, 1.2, 450.0, 115.0};

    private StreamsPeer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        String readings = a.remove("readings");
        String predictions = a.remove("predictions");
        String alerts = a.remove("alerts");
        String deadLetters = a.remove("dead-letters");
        String[] redis = a.remove("redis").split(":");
        Model model = new Model(Path.of(a.remove("model")));
        Properties p = new Properties();
        p.putAll(a);
        p.putIfAbsent(
                StreamsConfig.STATE_DIR_CONFIG,
                Files.createTempDirectory("streams-peer").toString());

        Topology topology = new Topology();
        topology.addSource("readings", new StringDeserializer(), new ByteArrayDeserializer(), readings);
        topology.addProcessor("score", () -> new Score(model, redis[0], Integer.parseInt(redis[1])), "readings");
        topology.addSink("predictions", predictions, new StringSerializer(), new ByteArraySerializer(), "score");
        topology.addSink("alerts", alerts, new StringSerializer(), new ByteArraySerializer(), "score");
        topology.addSink("dead-letters", deadLetters, new StringSerializer(), new ByteArraySerializer(), "score");

        KafkaStreams streams = new KafkaStreams(topology, p);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            stopped.countDown();
        }));
        streams.setUncaughtExceptionHandler(e -> {
            e.printStackTrace();
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
                    .SHUTDOWN_CLIENT;
        });
        streams.start();
        System.out.println("streams-peer: started, " + readings + " -> " + predictions);
        stopped.await();
    }

    /** The ONNX session (thread-safe, shared by the tasks) and what the manifest says about it. */
    static final class Model {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final OrtSession session;
        final String name;
        final String version;
        final String input;
        final String output;
        final double[] boundaries;
        final float threshold;

        Model(Path dir) throws Exception {
            JsonNode manifest =
                    new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
            name = manifest.get("name").asText();
            version = manifest.get("version").asText();
            input = manifest.get("inputs").get(0).get("name").asText();
            output = manifest.get("output").get("tensor").asText();
            threshold = (float) manifest.get("output").get("thresholds").get(0).asDouble();
            JsonNode bands = null;
            for (JsonNode f : manifest.get("features")) {
                if (f.has("boundaries")) {
                    bands = f.get("boundaries"); // the three z bands share their boundaries
                }
            }
            boundaries = new double[bands.size()];
            for (int i = 0; i < boundaries.length; i++) {
                boundaries[i] = bands.get(i).asDouble();
            }
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1); // as event-score
            session = env.createSession(dir.resolve("model.onnx").toString(), options);
        }

        /** The number of boundaries that are {@code <= z}: the z band, as the manifest's {@code bucket}. */
        float band(double z) {
            int n = 0;
            while (n < boundaries.length && boundaries[n] <= z) {
                n++;
            }
            return n;
        }

        float score(float[] features) throws OrtException {
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {1, 3});
                    OrtSession.Result r = session.run(Map.of(input, t))) {
                return ((float[][]) r.get(output).orElseThrow().getValue())[0][0];
            }
        }
    }

    /** One reading at a time: Redis, features, ORT, then to predictions (and alerts) or dead letters. */
    static final class Score implements Processor<String, byte[], String, byte[]> {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final Model model;
        private final String redisHost;
        private final int redisPort;
        private Jedis jedis;
        private ProcessorContext<String, byte[]> context;
        private final float[] features = new float[3];

        Score(Model model, String redisHost, int redisPort) {
            this.model = model;
            this.redisHost = redisHost;
            this.redisPort = redisPort;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            jedis = new Jedis(redisHost, redisPort);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            double[] x = new double[3];
            try {
                JsonNode reading = JSON.readTree(record.value());
                for (int i = 0; i < 3; i++) {
                    JsonNode v = reading == null ? null : reading.get(READING[i]);
                    if (v == null || !v.isNumber()) {
                        throw new IllegalArgumentException("'" + READING[i] + "' must be a number");
                    }
                    x[i] = v.doubleValue();
                }
                if (record.key() == null) {
                    throw new IllegalArgumentException("no sensor id: the reading has no key");
                }
            } catch (Exception e) {
                Record<String, byte[]> dead = record.withHeaders(record.headers()
                        .add(
                                "dead-letter-reason",
                                String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)));
                context.forward(dead, "dead-letters");
                return;
            }
            List<String> baseline = jedis.hmget("sensor:" + record.key(), BASELINES);
            for (int i = 0; i < 3; i++) {
                double mean = value(baseline.get(2 * i), DEFAULTS[2 * i]);
                double std = value(baseline.get(2 * i + 1), DEFAULTS[2 * i + 1]);
                double z = std == 0 ? 0 : (x[i] - mean) / std;
                features[i] = model.band(z);
            }
            float score;
            try {
                score = model.score(features);
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
            byte[] json = prediction(record.key(), score);
            record.headers().add("inferfn-model", model.name.getBytes(StandardCharsets.UTF_8));
            record.headers().add("inferfn-model-version", model.version.getBytes(StandardCharsets.UTF_8));
            Record<String, byte[]> out = record.withValue(json);
            context.forward(out, "predictions");
            if (score >= model.threshold) {
                context.forward(out, "alerts");
            }
        }

        private static double value(String s, double fallback) {
            return s == null ? fallback : Double.parseDouble(s);
        }

        private byte[] prediction(String sensor, float score) {
            var node = JSON.createObjectNode();
            node.put("entityId", sensor);
            node.put("score", score);
            node.put("label", score >= model.threshold ? "anomaly" : "normal");
            node.put("degraded", false);
            node.putArray("missingFeatures");
            try {
                return JSON.writeValueAsBytes(node);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            jedis.close();
        }
    }
}
