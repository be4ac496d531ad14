package io.inferfn.runtime.secrets;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of {@code inferfn.secrets.properties}: the configuration property to set, the full ARN
 * of the Secrets Manager secret holding its value and, for a JSON secret (as RDS and many rotation
 * functions store them), the key whose value to take: {@code property=arn[#key]}.
 *
 * @param property the property set from the secret, e.g. {@code quarkus.redis.password}
 * @param arn the secret's full ARN, {@code arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 chars>}
 * @param jsonKey the key of a JSON secret whose value is the property's; empty: the whole secret string
 */
public record SecretReference(String property, String arn, Optional<String> jsonKey) {

    /** Secret names are letters, digits and {@code /_+=.@-} ({@code !} in those RDS manages); the ARN adds a suffix. */
    static final Pattern ARN =
            Pattern.compile("arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:[A-Za-z0-9/_+=.@!-]+");

    private static final Pattern PROPERTY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-\"]*");

    /** The region in the ARN, where the secret is read. */
    public String region() {
        Matcher m = ARN.matcher(arn);
        if (!m.matches()) {
            throw new IllegalStateException("not a Secrets Manager secret ARN: " + arn);
        }
        return m.group(2);
    }

    /** The ARN, with the JSON key when one is taken: for messages. */
    public String describe() {
        return arn + jsonKey.map(k -> "#" + k).orElse("");
    }

    /**
     * Parses {@code property=arn[#key],property=arn[#key],...}.
     *
     * @throws IllegalArgumentException naming the entry that is malformed and what was expected
     */
    public static List<SecretReference> parseAll(String value) {
        List<SecretReference> references = new ArrayList<>();
        Set<String> properties = new HashSet<>();
        for (String entry : value.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw malformed(e, "no '<property>=' before the ARN");
            }
            String property = e.substring(0, eq).strip();
            String target = e.substring(eq + 1).strip();
            if (!PROPERTY.matcher(property).matches() || property.startsWith("inferfn.secrets.")) {
                throw malformed(e, "'" + property + "' is not a property that can be read from a secret");
            }
            int hash = target.indexOf('#');
            String arn = hash < 0 ? target : target.substring(0, hash);
            Optional<String> key = hash < 0 ? Optional.empty() : Optional.of(target.substring(hash + 1));
            if (!ARN.matcher(arn).matches()) {
                throw malformed(
                        e,
                        "'" + arn + "' is not a full secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:"
                                + "<name>-<suffix>)");
            }
            if (key.isPresent() && key.get().isBlank()) {
                throw malformed(e, "nothing after '#' (the key of a JSON secret)");
            }
            if (!properties.add(property)) {
                throw malformed(e, "'" + property + "' is listed twice");
            }
            references.add(new SecretReference(property, arn, key));
        }
        return references;
    }

    private static IllegalArgumentException malformed(String entry, String problem) {
        return new IllegalArgumentException("inferfn.secrets.properties entry '" + entry + "': " + problem
                + "; expected <property>=<secret ARN>[#<JSON key>], entries separated by ','");
    }
}
