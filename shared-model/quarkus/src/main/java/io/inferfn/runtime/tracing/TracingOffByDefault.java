package io.inferfn.runtime.tracing;

import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Tracing is off unless asked for (README "Traces"): {@code quarkus.otel.sdk.disabled=true} as a default
 * below every other source (ordinal 50), but only in builds that carry OpenTelemetry's SDK. Lambda zips
 * leave the SDK out, and there the property would be an unknown key that Quarkus warns about at every
 * cold start; a fixed line in {@code microprofile-config.properties} cannot tell the two builds apart.
 */
public final class TracingOffByDefault implements ConfigSource {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";

    private final Map<String, String> properties;

    public TracingOffByDefault() {
        this(sdkPresent(TracingOffByDefault.class.getClassLoader()));
    }

    /** As if the SDK were, or were not, on the classpath. */
    public TracingOffByDefault(boolean sdkPresent) {
        this.properties = sdkPresent ? Map.of(SDK_DISABLED, "true") : Map.of();
    }

    static boolean sdkPresent(ClassLoader loader) {
        try {
            Class.forName("io.opentelemetry.sdk.OpenTelemetrySdk", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "inferfn tracing default (off)";
    }

    @Override
    public int getOrdinal() {
        return 50;
    }
}
