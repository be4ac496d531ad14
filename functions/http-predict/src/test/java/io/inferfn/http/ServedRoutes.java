package io.inferfn.http;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;

/**
 * The HTTP endpoints the running application serves, read from the application itself: the
 * Vert.x routes on its router. Quarkus'
 * own endpoints under {@code /q} are left out. A test bean; it exists only in {@code @QuarkusTest}s.
 */
@Singleton
public class ServedRoutes {

    private volatile Router router;

    void capture(@Observes Router router) {
        this.router = router;
    }

    /** Path (in OpenAPI's {@code {param}} form) to its methods in lower case; an empty set is any method. */
    public Map<String, Set<String>> endpoints() {
        if (router == null) {
            throw new IllegalStateException("the application's Router was never observed");
        }
        Map<String, Set<String>> served = new TreeMap<>();
        for (Route route : router.getRoutes()) {
            String path = route.getPath();
            if (path == null || path.equals("/q") || path.startsWith("/q/") || path.startsWith("/inference.")) {
                continue; // filters (auth, body, CORS) on every path, Quarkus' management endpoints, gRPC calls
            }
            Set<String> methods = served.computeIfAbsent(path.replaceAll(":(\\w+)", "{$1}"), p -> new TreeSet<>());
            for (HttpMethod method : route.methods() == null ? Set.<HttpMethod>of() : route.methods()) {
                methods.add(method.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return served;
    }
}
