package io.inferfn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.inferfn.model.ModelManifest.FeatureType;
import io.inferfn.model.ModelManifest.OutputKind;

/**
 * Models that feed models: the models a model reads through its {@code "source": "model"} features
 * ({@link FeatureSpec.Model}), in the order one call scores them (each after every model it reads, the
 * consuming model last). One call scores every stage on the same rows with one feature-store round trip
 * for all of them.
 *
 * <p>{@link #link} builds the chains of a catalog at load and refuses, naming the model, the feature and
 * what was expected: a model the catalog does not load, a cycle, and an output the upstream model does
 * not give (a label of a regression model, a class it does not have, a label an {@code encoding} lacks).
 */
public final class ModelChain {

    /** How a link reads its upstream prediction. */
    public enum Read {
        /** The score (binary score, regression value, multiclass top probability). */
        SCORE,
        /** The label, as a string feature. */
        LABEL,
        /** The label through the feature's {@code encoding}. */
        ENCODED_LABEL,
        /** The probability of one class. */
        PROBABILITY
    }

    /**
     * One model feature of a stage: stage {@code from}'s prediction fills feature {@code feature} (its index in
     * the stage's plan), read as {@code read}; {@code defaultNum} / {@code defaultStr} stand in where the
     * upstream gives no label, or one the encoding lacks.
     */
    public record Link(
            int from,
            int feature,
            Read read,
            String className,
            Map<String, Double> encoding,
            double defaultNum,
            String defaultStr) {}

    private final List<LoadedModel> stages;
    private final Link[][] links;
    private final Set<String> featureNames;

    private ModelChain(List<LoadedModel> stages, Link[][] links, Set<String> featureNames) {
        this.stages = stages;
        this.links = links;
        this.featureNames = featureNames;
    }

    /** The models one call scores, in order: the models read first, the consuming model last. */
    public List<LoadedModel> stages() {
        return stages;
    }

    /** The model features of stage {@code stage} and the earlier stage that fills each. */
    public Link[] links(int stage) {
        return links[stage];
    }

    /**
     * The feature names of every stage: a row may carry a name one stage reads and another does not know; the
     * stage whose feature it is decides whether a caller may send it.
     */
    public Set<String> featureNames() {
        return featureNames;
    }

    /**
     * Links the models of one catalog: each model with {@code model} features comes back (same position)
     * carrying its {@link ModelChain}; the others come back as they are.
     *
     * @throws ManifestException for a model that is not loaded, a cycle, or an output the upstream does not give
     */
    public static List<LoadedModel> link(List<LoadedModel> models) {
        Map<String, LoadedModel> byName = new LinkedHashMap<>();
        for (LoadedModel m : models) {
            byName.put(m.name(), m.chain() == null ? m : m.withChain(null));
        }
        for (LoadedModel m : byName.values()) {
            for (FeatureSpec f : m.manifest().features()) {
                if (f instanceof FeatureSpec.Model feature) {
                    check(m, feature, byName);
                }
            }
        }
        List<LoadedModel> linked = new ArrayList<>(models.size());
        for (LoadedModel m : byName.values()) {
            if (!m.readsModels()) {
                linked.add(m);
                continue;
            }
            List<LoadedModel> order = new ArrayList<>();
            visit(m, byName, new ArrayList<>(), new HashSet<>(), order);
            for (LoadedModel stage : order) {
                if (stage.text() != null) {
                    throw new ManifestException("model " + m.name() + " reads the output of text model "
                            + stage.name() + "; a chain's stages are tabular models (a text model's output is an"
                            + " embedding or class probabilities of a text, which no feature carries)");
                }
                if (stage.plan().hasWindows()) {
                    // a chained call fetches every stage's online features in one round trip, without the
                    // window script: its window features would never be kept
                    throw new ManifestException("model " + stage.name() + " has window features and is in the chain"
                            + " of model " + m.name() + ": window features are not supported in a chain yet (a"
                            + " chained call does not keep the windows); serve the window model on its own in"
                            + " event-score");
                }
            }
            linked.add(m.withChain(build(order)));
        }
        return linked;
    }

    /** Depth first, upstream models before their readers; {@code path} is the walk so far, for a cycle's message. */
    private static void visit(
            LoadedModel m,
            Map<String, LoadedModel> byName,
            List<String> path,
            Set<String> done,
            List<LoadedModel> order) {
        if (done.contains(m.name())) {
            return;
        }
        int at = path.indexOf(m.name());
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(m.name());
            throw new ManifestException("models read each other in a cycle: " + String.join(" -> ", cycle)
                    + " (each reads the output of the next through a 'model' feature); a chain must end in a model"
                    + " that reads no other model");
        }
        path.add(m.name());
        for (FeatureSpec f : m.manifest().features()) {
            if (f instanceof FeatureSpec.Model feature) {
                visit(byName.get(feature.model()), byName, path, done, order);
            }
        }
        path.remove(path.size() - 1);
        done.add(m.name());
        order.add(m);
    }

    private static ModelChain build(List<LoadedModel> order) {
        Map<String, Integer> index = new HashMap<>();
        Link[][] links = new Link[order.size()][];
        Set<String> names = new HashSet<>();
        for (int s = 0; s < order.size(); s++) {
            LoadedModel m = order.get(s);
            index.put(m.name(), s);
            names.addAll(m.plan().featureNames());
            List<Link> stage = new ArrayList<>();
            for (FeatureSpec f : m.manifest().features()) {
                if (f instanceof FeatureSpec.Model feature) {
                    stage.add(link(m, feature, index.get(feature.model())));
                }
            }
            links[s] = stage.toArray(Link[]::new);
        }
        return new ModelChain(List.copyOf(order), links, Collections.unmodifiableSet(names));
    }

    private static Link link(LoadedModel m, FeatureSpec.Model f, int from) {
        Read read =
                switch (f.outputName()) {
                    case FeatureSpec.Model.LABEL -> f.type() == FeatureType.STRING ? Read.LABEL : Read.ENCODED_LABEL;
                    case FeatureSpec.Model.PROBABILITY -> Read.PROBABILITY;
                    default -> Read.SCORE;
                };
        Object d = f.defaultValue();
        return new Link(
                from,
                m.plan().indexOf(f.name()),
                read,
                f.className(),
                f.encoding() == null ? null : Map.copyOf(f.encoding()),
                d instanceof Number n ? n.doubleValue() : 0,
                d instanceof String s ? s : null);
    }

    /** Checks that feature {@code f} of model {@code m} reads an output its upstream model gives. */
    private static void check(LoadedModel m, FeatureSpec.Model f, Map<String, LoadedModel> byName) {
        String at = "model " + m.name() + ": feature '" + f.name() + "' reads ";
        LoadedModel up = byName.get(f.model());
        if (up == null) {
            throw new ManifestException(at + "the output of model '" + f.model() + "', which this function does not"
                    + " load (it loads " + new ArrayList<>(byName.keySet()) + "); add the model's location to"
                    + " inferfn.model.locations, or fix the name");
        }
        at += "the " + f.outputName() + " of model " + up.name();
        OutputKind kind = up.manifest().output().outputKind();
        List<String> labels = labels(up);
        switch (f.outputName()) {
            case FeatureSpec.Model.LABEL -> {
                if (kind == OutputKind.REGRESSION) {
                    throw new ManifestException(
                            at + ", a regression model: it gives a value, not a label;" + " read output score instead");
                }
                if (kind == OutputKind.BINARY && labels == null) {
                    throw new ManifestException(at + ", whose output declares no thresholds and labels, so it"
                            + " gives a score and no label; read output score, or label its scores");
                }
                if (f.encoding() != null && labels != null) {
                    List<String> unencoded = new ArrayList<>(labels);
                    unencoded.removeAll(f.encoding().keySet());
                    if (!unencoded.isEmpty()) {
                        throw new ManifestException(at + ", which gives labels " + labels + "; 'encoding' has no"
                                + " number for " + unencoded + " (expected one per label)");
                    }
                }
            }
            case FeatureSpec.Model.PROBABILITY -> {
                if (kind != OutputKind.MULTICLASS) {
                    throw new ManifestException(at + " '" + f.className() + "', a " + kind.json() + " model:"
                            + " only a multiclass model gives class probabilities; read output score instead");
                }
                if (labels != null && !labels.contains(f.className())) {
                    throw new ManifestException(
                            at + ": class '" + f.className() + "' is not one of its classes " + labels);
                }
            }
            default -> {
                // every kind gives a score
            }
        }
    }

    /** The labels a model's predictions may carry, when known at load; null when it gives none or they are unknown. */
    private static List<String> labels(LoadedModel m) {
        ModelManifest.OutputSpec out = m.manifest().output();
        if (out.outputKind() == OutputKind.MULTICLASS) {
            if (out.labels() != null) {
                return out.labels();
            }
            return m.onnx().io() == null ? null : m.onnx().io().classLabels();
        }
        return out.labels();
    }
}
