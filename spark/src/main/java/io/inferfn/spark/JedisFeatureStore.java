package io.inferfn.spark;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisException;

import io.inferfn.features.FeatureStore;
import io.inferfn.features.StoreReply;

/**
 * {@link FeatureStore} for the Spark job, on Jedis: one pipelined {@code MULTI}, one {@code HMGET} per key, {@code
 * EXEC} per batch, over one connection per executor JVM ({@link #shared}) that the executor's task threads take in
 * turn. As the functions' store does, it runs the {@code HMGET}s in a transaction so that a key Redis cannot read as a
 * hash fails only its own rows, and it never throws: Redis down or slower than the timeout is {@link
 * StoreReply#unavailable} (the rows are scored with defaults, degraded), and the next batch connects again.
 */
public final class JedisFeatureStore implements FeatureStore {

    private static final Logger LOG = LoggerFactory.getLogger(JedisFeatureStore.class);
    private static final Map<String, JedisFeatureStore> SHARED = new ConcurrentHashMap<>();

    private final URI uri;
    private final int timeoutMillis;
    private Jedis jedis;
    private volatile boolean reachable = true;

    private JedisFeatureStore(URI uri, int timeoutMillis) {
        this.uri = uri;
        this.timeoutMillis = timeoutMillis;
    }

    /** The executor's one store (one connection) for {@code redisUri}, e.g. {@code redis://host:6379}. */
    public static JedisFeatureStore shared(String redisUri, int timeoutMillis) {
        return SHARED.computeIfAbsent(
                redisUri + "#" + timeoutMillis, k -> new JedisFeatureStore(URI.create(redisUri), timeoutMillis));
    }

    @Override
    public synchronized StoreReply fetch(String[] keys, String[][] fields, int count) {
        List<Response<List<String>>> replies = new ArrayList<>(count);
        List<Object> results;
        try {
            if (jedis == null) {
                jedis = new Jedis(uri, timeoutMillis, timeoutMillis);
            }
            Transaction multi = jedis.multi();
            for (int k = 0; k < count; k++) {
                replies.add(multi.hmget(keys[k], fields[k]));
            }
            results = multi.exec();
        } catch (JedisException e) {
            reachable = false;
            drop();
            LOG.warn("feature store {} unavailable: {}", redacted(), e.getMessage());
            return StoreReply.unavailable("redis: " + e.getMessage());
        }
        reachable = true;
        if (results == null) {
            return StoreReply.unavailable("redis: the transaction was discarded");
        }
        String[][] values = new String[count][];
        for (int k = 0; k < count; k++) {
            try {
                List<String> hash = replies.get(k).get();
                values[k] = hash.toArray(String[]::new);
            } catch (JedisException e) { // WRONGTYPE: this key is no hash; only its rows are degraded
                values[k] = null;
            }
        }
        return StoreReply.of(values);
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    private void drop() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException e) {
                // a broken connection; the next batch opens another
            }
            jedis = null;
        }
    }

    private String redacted() {
        return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort();
    }
}
