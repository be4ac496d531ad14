package io.inferfn.runtime.secrets;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Secrets as configuration, read once per cold start from AWS Secrets Manager, so that no secret is
 * a plain Lambda environment variable: {@code inferfn.secrets.properties} (env
 * {@code INFERFN_SECRETS_PROPERTIES}) lists {@code <property>=<secret ARN>[#<JSON key>]} entries,
 * e.g. {@code quarkus.redis.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf},
 * and each property takes its secret's value.
 *
 * <p>A secret that cannot be read fails the start with the property, the ARN and the reason (the
 * API's error, e.g. {@code AccessDeniedException}): a function never runs without its password.
 *
 * <p>The values sit at ordinal {@value #ORDINAL}: above {@code application.properties} (250) and
 * below environment variables (300) and system properties (400). {@code inferfn.secrets.endpoint}
 * points the reads at another Secrets Manager API (tests).
 *
 * <p>A secret's value is taken literally, never as a property expression: a password holding
 * {@code $$}, {@code ${...}} or {@code \$} reaches the property unchanged; under
 * {@code inferfn.kafka.sasl.} it is escaped for a JAAS quoted string instead (see {@link #JAAS_QUOTED}). Other properties may refer
 * to the secrets with expressions, e.g. {@code KAFKA_SASL_JAAS_CONFIG=...ScramLoginModule required
 * username="${inferfn.kafka.sasl.username}" password="${inferfn.kafka.sasl.password}";}, expanded
 * when the configuration is read.
 *
 * <p>With SnapStart the secrets are read when the version is published and kept in its snapshot:
 * a rotated secret reaches the function with its next published version.
 */
public final class SecretsManagerConfigSourceFactory implements ConfigSourceFactory {

    /** The list of {@code <property>=<secret ARN>[#<JSON key>]}. */
    public static final String PROPERTIES = "inferfn.secrets.properties";

    /** Another Secrets Manager API than AWS' (tests). */
    public static final String ENDPOINT = "inferfn.secrets.endpoint";

    static final int ORDINAL = 275;

    /**
     * Properties under this prefix exist to be expanded inside a JAAS configuration's quoted
     * strings ({@code password="${inferfn.kafka.sasl.password}"}), so their values are escaped for
     * one: Kafka's JAAS parser reads {@code \} as an escape, so a password holding {@code "} or
     * {@code \} would otherwise end the string early or lose characters.
     */
    static final String JAAS_QUOTED = "inferfn.kafka.sasl.";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String listed = value(context, PROPERTIES).orElse("");
        if (listed.isBlank()) {
            return List.of();
        }
        List<SecretReference> references = SecretReference.parseAll(listed);
        Optional<URI> endpoint =
                value(context, ENDPOINT).filter(v -> !v.isBlank()).map(URI::create);
        Map<String, String> values = new LinkedHashMap<>();
        try (DefaultCredentialsProvider credentials =
                DefaultCredentialsProvider.builder().build()) {
            SecretsManagerReader reader = new SecretsManagerReader(endpoint, credentials);
            for (SecretReference reference : references) {
                String value = reader.read(reference);
                if (reference.property().startsWith(JAAS_QUOTED)) {
                    value = jaasQuoted(value);
                }
                values.put(reference.property(), literal(value));
            }
        }
        return List.of(new PropertiesConfigSource(values, "AWS Secrets Manager (" + PROPERTIES + ")", ORDINAL));
    }

    /** {@code value} as the inside of a JAAS quoted string: {@code \} and {@code "} escaped with {@code \}. */
    static String jaasQuoted(String value) {
        if (value.indexOf('\\') < 0 && value.indexOf('"') < 0) {
            return value;
        }
        StringBuilder escaped = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '"') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /**
     * {@code value} escaped so that SmallRye Config's expression expansion (always on in Quarkus)
     * gives it back unchanged: expansion first turns {@code \$} into {@code $$}, then reads
     * {@code $$} as {@code $} and {@code ${...}} as an expression. So a {@code $} becomes {@code $$},
     * and a backslash right before a {@code $} is doubled ({@code \$} becomes {@code \\$}, which
     * expansion turns into {@code \$$}, read as {@code \$}).
     */
    static String literal(String value) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        StringBuilder escaped = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '$') {
                escaped.append(c);
            } else if (i > 0 && value.charAt(i - 1) == '\\') {
                escaped.insert(escaped.length() - 1, '\\').append('$');
            } else {
                escaped.append("$$");
            }
        }
        return escaped.toString();
    }

    private static Optional<String> value(ConfigSourceContext context, String name) {
        return Optional.ofNullable(context.getValue(name)).map(ConfigValue::getValue);
    }
}
