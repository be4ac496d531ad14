package io.inferfn.testing.crac;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code jdk.crac.Core}'s shape: one global context; {@link #checkpointRestore()} calls every
 * registered resource's {@code beforeCheckpoint} (last registered first, as CRaC does), runs
 * {@link #atSnapshot} where the JVM would be frozen, then every {@code afterRestore}.
 */
public final class Core {

    private static final List<Resource> REGISTERED = new CopyOnWriteArrayList<>();

    /** What happens "inside" the snapshot, between the two phases; set by a test. */
    public static volatile Runnable atSnapshot = () -> {};

    private static final Context<Resource> GLOBAL = new Context<>() {
        @Override
        public void register(Resource resource) {
            REGISTERED.add(resource);
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
            List<Resource> reversed = new ArrayList<>(REGISTERED);
            java.util.Collections.reverse(reversed);
            for (Resource r : reversed) {
                r.beforeCheckpoint(this);
            }
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) throws Exception {
            for (Resource r : REGISTERED) {
                r.afterRestore(this);
            }
        }
    };

    private Core() {}

    public static Context<Resource> getGlobalContext() {
        return GLOBAL;
    }

    /** How many resources have registered. */
    public static int registered() {
        return REGISTERED.size();
    }

    public static void checkpointRestore() throws CheckpointException, RestoreException {
        try {
            GLOBAL.beforeCheckpoint(null);
        } catch (Exception e) {
            CheckpointException failed = new CheckpointException();
            failed.addSuppressed(e);
            throw failed;
        }
        atSnapshot.run();
        try {
            GLOBAL.afterRestore(null);
        } catch (Exception e) {
            RestoreException failed = new RestoreException();
            failed.addSuppressed(e);
            throw failed;
        }
    }
}
