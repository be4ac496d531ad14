package io.inferfn.localstack;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Redis the tests start behaves the same whichever binary serves it: a {@code redis-server} on
 * PATH (Debian's 7.x, a 6.2) or the one bundled in embedded-redis (6.2).
 */
class LocalRedisTest {

    @Test
    void debugCommandsWorkOnEverySupportedVersion() {
        try (LocalRedis redis = LocalRedis.startOnFreePort()) {
            System.out.println("redis-server " + redis.version() + " from " + LocalRedis.binaryDescription());
            assertThat(redis.version().atLeast(6, 2)).isTrue();
            // 7.x refuses DEBUG unless started with enable-debug-command
            assertThat(redis.command("DEBUG", "SLEEP", "0")).isEqualTo("OK");
        }
    }

    @Test
    void aPausedServerAnswersNothingUntilThePauseEnds() {
        try (LocalRedis redis = LocalRedis.startOnFreePort()) {
            redis.command("SET", "k", "v");
            redis.pause(Duration.ofMillis(1500));
            try (LocalRedis.StallProbe probe = redis.stallProbe()) {
                sleep(300);
                assertThat(probe.unanswered()).as("no answer while paused").isTrue();
                probe.awaitAnswer(Duration.ofSeconds(10));
            }
            assertThat(redis.command("GET", "k")).isEqualTo("v");
            try (LocalRedis.StallProbe probe = redis.stallProbe()) {
                probe.awaitAnswer(Duration.ofSeconds(2)); // not paused: answered at once
            }
        }
    }

    @Test
    void versionsAreReadFromTheBinarysOwnOutput() {
        Path bin = Path.of("redis-server");
        assertThat(LocalRedis.Version.parse(
                        "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1", bin))
                .isEqualTo(new LocalRedis.Version(7, 0, 15));
        assertThat(LocalRedis.Version.parse("Redis server v=6.2.11 sha=00000000:0", bin)
                        .atLeast(7, 0))
                .isFalse();
        assertThatThrownBy(() -> LocalRedis.Version.parse("Redis server v=5.0.14 sha=0", bin))
                .hasMessageContaining("need 6.2 or later");
        assertThatThrownBy(() -> LocalRedis.Version.parse("KeyDB", bin))
                .hasMessageContaining("expected 'Redis server v=");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
