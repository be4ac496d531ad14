package io.inferfn.http;

import jakarta.inject.Singleton;

import io.quarkus.vertx.VertxOptionsCustomizer;
import io.vertx.core.VertxOptions;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * One Vert.x event loop per core. Quarkus starts at least two, and on one core (a 1,769 MB Lambda, a one-CPU
 * container) the second costs more than it serves: a request and the pooled Redis connection it borrows often sit on
 * different loops, so the command's write and its reply each cross threads (an eventfd wake-up, a selector lock, a
 * context switch) on a core both loops share. An explicit {@code quarkus.vertx.event-loops-pool-size} still wins.
 */
@Singleton
public class EventLoops implements VertxOptionsCustomizer {

    static final String SIZE = "quarkus.vertx.event-loops-pool-size";

    @Override
    public void accept(VertxOptions options) {
        if (ConfigProvider.getConfig().getOptionalValue(SIZE, Integer.class).isEmpty()) {
            options.setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
        }
    }
}
