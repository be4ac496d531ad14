package io.inferfn.http;

import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EventLoopsTest {

    @Test
    void oneEventLoopPerCoreWhereQuarkusWouldStartMore() {
        VertxOptions options =
                new VertxOptions().setEventLoopPoolSize(2 * Runtime.getRuntime().availableProcessors() + 1);

        new EventLoops().accept(options);

        assertThat(options.getEventLoopPoolSize())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
