package io.inferfn.batchscore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.identity.SecurityIdentity;
import org.jboss.logging.Logger;

import io.inferfn.auth.AuthConfig;
import io.inferfn.scoring.AccessDeniedException;
import io.inferfn.scoring.AuthenticationRequiredException;
import io.inferfn.scoring.InvalidRequestException;

/**
 * Who may start a batch run, and where a payload's own {@code source} and {@code sink} may point.
 * An HTTP caller needs {@value #RUN} (or {@value #OVERRIDE}), and {@value #OVERRIDE} to name a
 * source or sink; the HTTP permission ({@code quarkus.http.auth.permission.batch}) refuses
 * anonymous callers before the function runs, and this is the second line. Invocations that do not
 * come over HTTP (the Lambda handler EventBridge Scheduler invokes, allowed by IAM; the in-process
 * cron) carry no identity and are trusted. Overrides, from whoever, must lie under the configured
 * prefixes.
 */
@Singleton
public class BatchAccess {

    private static final Logger LOG = Logger.getLogger(BatchAccess.class);

    /** The role that may start runs of the configured source and sink. */
    public static final String RUN = "batch:run";

    /** The role that may also name a run's own source and sink (within the configured prefixes). */
    public static final String OVERRIDE = "batch:override";

    @Inject
    AuthConfig auth;

    @Inject
    BatchConfig config;

    void announce(@Observes StartupEvent event) {
        if (config.allowOverrides()
                && config.overrides().tables().orElse(List.of()).isEmpty()
                && config.overrides().paths().orElse(List.of()).isEmpty()
                && !config.overrides().sql()) {
            LOG.warn("inferfn.batch.allow-overrides is on, but no inferfn.batch.overrides.tables, .paths or .sql"
                    + " allows anything: every payload source or sink is refused");
        }
    }

    /**
     * @param caller the HTTP caller, null for an invocation that did not come over HTTP
     * @throws AuthenticationRequiredException, AccessDeniedException when auth is on and the HTTP
     *     caller may not run batches, or may not name {@code source} or {@code sink}
     * @throws InvalidRequestException when overrides are off and the payload names either
     */
    public void check(SecurityIdentity caller, String source, String sink) {
        boolean overrides = source != null || sink != null;
        if (overrides && !config.allowOverrides()) {
            throw new InvalidRequestException("this function takes no 'source' or 'sink' in the payload (it reads "
                    + config.source() + " into " + config.sink() + "); set inferfn.batch.allow-overrides=true to"
                    + " allow them");
        }
        if (caller != null && auth.enabled()) {
            if (caller.isAnonymous()) {
                throw new AuthenticationRequiredException("authentication required to run batches: send a bearer"
                        + " token (Authorization: Bearer <jwt>) or an API key with the role " + RUN);
            }
            String who = caller.getPrincipal().getName();
            if (!caller.hasRole(RUN) && !caller.hasRole(OVERRIDE)) {
                throw new AccessDeniedException(
                        who + " may not run batches: its roles " + caller.getRoles() + " lack " + RUN);
            }
            if (overrides && !caller.hasRole(OVERRIDE)) {
                throw new AccessDeniedException(who + " may not name its own 'source' or 'sink': its roles "
                        + caller.getRoles() + " lack " + OVERRIDE + "; send only runId, shardIndex and shardCount"
                        + " to run " + config.source() + " into " + config.sink());
            }
        }
        if (source != null) {
            allowed("source", source, true);
        }
        if (sink != null) {
            allowed("sink", sink, false);
        }
    }

    private void allowed(String what, String spec, boolean source) {
        if (spec.startsWith("table:") || spec.startsWith("iceberg:")) {
            // an Iceberg table (<namespace>.<table>) is held to the same prefixes as a database table
            String table = spec.substring(spec.indexOf(':') + 1).toLowerCase(Locale.ROOT);
            List<String> prefixes = config.overrides().tables().orElse(List.of());
            for (String prefix : prefixes) {
                if (!prefix.isBlank() && table.startsWith(prefix.toLowerCase(Locale.ROOT))) {
                    return;
                }
            }
            throw new AccessDeniedException(what + " " + spec + " is not allowed: a payload's tables must start with"
                    + " one of " + (prefixes.isEmpty() ? "(none configured)" : prefixes)
                    + " (inferfn.batch.overrides.tables)");
        }
        if (spec.startsWith("file:")) {
            Path file = real(spec.substring("file:".length()));
            List<String> prefixes = config.overrides().paths().orElse(List.of());
            for (String prefix : prefixes) {
                if (!prefix.isBlank() && file != null && file.startsWith(real(prefix))) {
                    return;
                }
            }
            throw new AccessDeniedException(what + " " + spec + " is not allowed: a payload's files must lie in one of "
                    + (prefixes.isEmpty() ? "(none configured)" : prefixes) + " (inferfn.batch.overrides.paths)");
        }
        if (source && spec.startsWith("sql:") && !config.overrides().sql()) {
            throw new AccessDeniedException("a payload may not send a sql: source (it could read any table the"
                    + " database user can); name a table:, or set inferfn.batch.overrides.sql=true");
        }
        // anything else: the runner says what it takes (400)
    }

    /**
     * {@code path} absolute, without {@code ..}, through symbolic links as far as it exists: what
     * the file system will open, so a link or {@code ..} cannot lead out of an allowed directory.
     */
    private static Path real(String path) {
        try {
            Path p = Path.of(path).toAbsolutePath().normalize();
            Path existing = p;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing == null ? p : existing.toRealPath().resolve(existing.relativize(p));
        } catch (InvalidPathException | IOException e) {
            return null;
        }
    }
}
