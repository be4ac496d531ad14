package io.inferfn.spark;

import java.util.Map;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import io.inferfn.features.StoreReply;
import io.inferfn.localstack.LocalRedis;

import static org.assertj.core.api.Assertions.assertThat;

/** One round trip per batch against a real Redis; its faults become degraded rows, never a failed task. */
class JedisFeatureStoreTest {

    static final String[] FIELDS = {"logins_30d", "app_minutes_30d"};

    @Test
    void aBatchReadsEveryHashAndAKeyThatIsNoHashFailsOnlyItself() {
        SparkStack.hset(Map.of("store-test:a", Map.of("logins_30d", "14", "app_minutes_30d", "101")));
        try (Jedis jedis = new Jedis(java.net.URI.create(SparkStack.redisUri()))) {
            jedis.set("store-test:string", "not a hash");
        }
        StoreReply reply = JedisFeatureStore.shared(SparkStack.redisUri(), 2000)
                .fetch(
                        new String[] {"store-test:a", "store-test:string", "store-test:absent"},
                        new String[][] {FIELDS, FIELDS, FIELDS},
                        3);

        assertThat(reply.available()).isTrue();
        assertThat(reply.values()[0]).containsExactly("14", "101");
        assertThat(reply.values()[1]).isNull();
        assertThat(reply.values()[2]).containsExactly(null, null);
    }

    @Test
    void aRedisThatIsNotThereIsAnUnavailableReplyAndTheStoreReconnectsOnceItIs() {
        int port = LocalRedis.freePort();
        JedisFeatureStore store = JedisFeatureStore.shared("redis://127.0.0.1:" + port, 500);
        StoreReply down = store.fetch(new String[] {"k"}, new String[][] {FIELDS}, 1);
        assertThat(down.available()).isFalse();
        assertThat(down.unavailableReason()).startsWith("redis: ");
        assertThat(store.reachable()).isFalse();

        try (LocalRedis redis = LocalRedis.onPort(port, line -> {})) {
            redis.start();
            StoreReply up = store.fetch(new String[] {"k"}, new String[][] {FIELDS}, 1);
            assertThat(up.available()).isTrue();
            assertThat(store.reachable()).isTrue();
        }
    }
}
