package io.inferfn.runtime;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Redis online feature store: its latency budget and how it backs off when Redis is unwell. */
@ConfigMapping(prefix = "inferfn.feature-store")
public interface FeatureStoreConfig {

    /**
     * The whole budget of the one Redis round trip a scoring call makes. Past it the call scores
     * with defaults, flagged degraded. Keep it well under the caller's own latency budget.
     */
    @WithDefault("25ms")
    Duration timeout();

    /**
     * What an entity id must match (a Java regular expression, whole value), and so must a string
     * request feature that fills a key placeholder: they become part of Redis key names, so a ':'
     * or '*' of the caller's choosing must not reach other keys. A row that does not match is a 400
     * (a dead letter for a message, a reject for a batch row). Widen it only as far as your ids
     * need; never allow the separator your key patterns use.
     */
    @WithDefault("[A-Za-z0-9_.-]{1,128}")
    String entityIdPattern();

    /**
     * The longest the warm-up at start may take: a round trip on the client's pool and on every event loop's own
     * connection, which readiness waits for ({@code inferfn-feature-store} DOWN, "warming up"), as the Kafka consumer
     * of event-score does. Past it the start gives up on Redis: readiness is UP, reporting Redis unreachable with the
     * reason, and calls are scored degraded until Redis answers. A cold start never waits longer on Redis.
     */
    @WithDefault("2s")
    Duration warmUpTimeout();

    /** Circuit breaker that stops calling an unwell Redis so requests answer degraded at once. */
    CircuitBreaker circuitBreaker();

    /** How calls made on a Vert.x event loop (HTTP scoring) reach Redis. */
    Pipeline pipeline();

    /** One pipelined connection per event loop (a standalone Redis only; others use the client's pool). */
    interface Pipeline {

        /**
         * Calls made on an event loop go out on that loop's own connection, the calls of one turn of the loop in
         * one write; off, they borrow a connection of the Quarkus client's pool ({@code quarkus.redis.max-pool-size})
         * per call, which costs a thread hand-off when the pool's connections sit on another loop.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * A loop's connection that has answered nothing for this long while commands wait on it is closed, with one
         * warning, and made again at once, without waiting for a call: a Redis gone without closing the socket (a
         * network partition, a failover to another host, a stopped VM). Calls still time out after {@code timeout}
         * meanwhile; those still waiting fail when it is closed. Keep it above {@code timeout} and above the longest
         * stall this Redis comes back from (a large command, a fork).
         */
        @WithDefault("2s")
        Duration deadAfter();

        /**
         * A loop's connection that has had nothing to do (nothing sent, nothing answered) for this long is sent a
         * {@code PING}, watched by {@code dead-after} like any command: a connection Redis went silent on while idle
         * (a network partition, a stopped VM) is then found, closed with one warning and made again before a request
         * finds it, instead of the first request after the quiet spell answering degraded. {@code 0s} turns it off.
         */
        @WithDefault("5s")
        Duration idleProbeAfter();
    }

    /** Circuit breaker settings (SmallRye Fault Tolerance). */
    interface CircuitBreaker {

        /** Calls in the rolling window over which the failure ratio is judged. */
        @WithDefault("10")
        int requestVolume();

        /** Failure ratio in the window that opens the circuit. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long the circuit stays open before one probe call is let through. */
        @WithDefault("1s")
        Duration delay();
    }
}
