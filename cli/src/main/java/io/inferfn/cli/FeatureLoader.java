package io.inferfn.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

/**
 * Loads online features from a CSV into Redis hashes: the first column is the entity id, the
 * header names the fields; each row becomes {@code HSET <prefix><id> field value ...}, pipelined
 * in batches of 500.
 */
final class FeatureLoader {

    private FeatureLoader() {}

    static int load(Vertx vertx, String redisUri, Path csv, String keyPrefix) throws IOException {
        Redis redis = Redis.createClient(vertx, redisUri);
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String[] header = in.readLine().split(",");
            List<Request> batch = new ArrayList<>();
            int rows = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                Request hset = Request.cmd(Command.HSET).arg(keyPrefix + cells[0]);
                for (int i = 1; i < header.length; i++) {
                    hset.arg(header[i]).arg(cells[i]);
                }
                batch.add(hset);
                rows++;
                if (batch.size() == 500) {
                    send(redis, batch);
                }
            }
            send(redis, batch);
            return rows;
        } finally {
            redis.close();
        }
    }

    private static void send(Redis redis, List<Request> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            redis.batch(new ArrayList<>(batch))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("loading features into Redis failed: " + e.getMessage(), e);
        }
        batch.clear();
    }
}
