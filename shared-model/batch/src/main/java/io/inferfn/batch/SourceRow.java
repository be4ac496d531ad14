package io.inferfn.batch;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

import io.inferfn.scoring.Row;

/**
 * A row read from a batch source: its entity id and one value per feature column, viewed as the
 * feature map scoring reads. Reused from batch to batch (a source fills it in place), so reading a
 * million rows does not build a million maps.
 */
final class SourceRow implements Row.Columnar {

    final String[] columns;
    final Map<String, Integer> index;
    final Object[] values;
    String entityId;
    /** The fields as read, for the rejects sink; set only by sources that have them cheaply (files). */
    String[] fields;

    private final Map<String, Object> view = new View();

    SourceRow(String[] columns, Map<String, Integer> index) {
        this.columns = columns;
        this.index = index;
        this.values = new Object[columns.length];
    }

    @Override
    public String entityId() {
        return entityId;
    }

    @Override
    public Map<String, ?> features() {
        return view;
    }

    @Override
    public String[] columnNames() {
        return columns;
    }

    @Override
    public Object[] columnValues() {
        return values;
    }

    /** The row as text for a rejects table: its raw line, or column=value pairs. */
    String describe() {
        if (fields != null) {
            return String.join(",", fields);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < columns.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(columns[i]).append('=').append(values[i]);
        }
        return sb.toString();
    }

    private final class View extends AbstractMap<String, Object> {

        @Override
        public Object get(Object key) {
            Integer i = index.get(key);
            return i == null ? null : values[i];
        }

        @Override
        public int size() {
            return columns.length;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return columns.length;
                }

                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        int i;

                        @Override
                        public boolean hasNext() {
                            return i < columns.length;
                        }

                        @Override
                        public Entry<String, Object> next() {
                            if (i >= columns.length) {
                                throw new NoSuchElementException();
                            }
                            int at = i++;
                            return new SimpleImmutableEntry<>(columns[at], values[at]);
                        }
                    };
                }
            };
        }
    }
}
