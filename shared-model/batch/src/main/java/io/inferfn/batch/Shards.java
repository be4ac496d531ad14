package io.inferfn.batch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which shard an entity belongs to: the first 32 bits of the MD5 of its id (UTF-8), unsigned, modulo
 * the shard count. Stable across processes, JVMs and restarts, and computable by PostgreSQL itself
 * ({@link #sqlPredicate}), so a database source filters its own rows instead of shipping every row
 * to every shard. MD5 is used as a well-spread hash here, not for security.
 */
public final class Shards {

    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    });

    private Shards() {}

    /** The shard of {@code entityId} among {@code count}. */
    public static int of(String entityId, int count) {
        if (count == 1) {
            return 0;
        }
        byte[] d = MD5.get().digest(entityId.getBytes(StandardCharsets.UTF_8));
        long h = ((d[0] & 0xffL) << 24) | ((d[1] & 0xffL) << 16) | ((d[2] & 0xffL) << 8) | (d[3] & 0xffL);
        return (int) (h % count);
    }

    /**
     * A PostgreSQL boolean expression true for rows of shard {@code index} of {@code count}, by the
     * text expression {@code id}. Rows without an id (null, empty or only spaces) belong to shard 0,
     * which rejects them, so that every row of the source is accounted for exactly once.
     */
    public static String sqlPredicate(String id, int index, int count) {
        String hashed = "mod(('x' || substr(md5(" + id + "), 1, 8))::bit(32)::bigint, " + count + ") = " + index;
        return index == 0
                ? "(" + id + " IS NULL OR btrim(" + id + ") = '' OR " + hashed + ")"
                : "(btrim(" + id + ") <> '' AND " + hashed + ")";
    }

    /** Whether {@code entityId} is no id: null, empty or only spaces (the same rule as the SQL predicate). */
    public static boolean blank(String entityId) {
        if (entityId == null) {
            return true;
        }
        for (int i = 0; i < entityId.length(); i++) {
            if (entityId.charAt(i) != ' ') {
                return false;
            }
        }
        return true;
    }

    /** Whether a row with {@code entityId} (possibly {@linkplain #blank blank}) belongs to shard {@code index} of {@code count}. */
    public static boolean owns(String entityId, int index, int count) {
        if (blank(entityId)) {
            return index == 0;
        }
        return of(entityId, count) == index;
    }
}
