package io.inferfn.features;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.inferfn.model.FeatureSpec;
import io.inferfn.model.ModelManifest.FeatureSource;
import io.inferfn.model.ModelManifest.FeatureType;

/**
 * A manifest's features as parallel arrays indexed by declaration order: what every step of the
 * plan reads per feature (name, source, type, default). A row's values live at {@code r * size() + i}
 * in the {@link FeatureScratch}.
 */
final class FeatureTable {

    final String modelName;
    final int size;
    final String[] names;
    final FeatureSource[] sources;
    final FeatureType[] types;
    /** The default of a number, boolean (1 or 0) or timestamp feature. */
    final double[] defaultNum;
    /** The default of a string feature. */
    final String[] defaultStr;

    final boolean[] hasDefault;
    /** Per feature: a store feature the manifest accepts from callers. */
    final boolean[] acceptFromCaller;

    private final Map<String, Integer> index;

    FeatureTable(String modelName, List<FeatureSpec> specs) {
        this.modelName = modelName;
        size = specs.size();
        names = new String[size];
        sources = new FeatureSource[size];
        types = new FeatureType[size];
        defaultNum = new double[size];
        defaultStr = new String[size];
        hasDefault = new boolean[size];
        acceptFromCaller = new boolean[size];
        index = new HashMap<>();
        for (int i = 0; i < size; i++) {
            FeatureSpec f = specs.get(i);
            names[i] = f.name();
            sources[i] = f.source();
            types[i] = f.type();
            index.put(f.name(), i);
            Object d = f.defaultValue();
            hasDefault[i] = d != null;
            acceptFromCaller[i] = f instanceof FeatureSpec.Store store && store.acceptedFromCaller();
            if (d instanceof Number num) {
                defaultNum[i] = num.doubleValue();
            } else if (d instanceof Boolean b) {
                defaultNum[i] = b ? 1 : 0;
            } else if (d instanceof String s) {
                defaultStr[i] = s;
            }
        }
    }

    /** The index of feature {@code name}, or -1 when the model has none of that name. */
    int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }
}
