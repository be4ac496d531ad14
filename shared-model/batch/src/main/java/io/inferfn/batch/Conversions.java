package io.inferfn.batch;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import io.inferfn.model.LoadedModel;
import io.inferfn.model.ModelManifest.FeatureType;

/**
 * A source value to the type the model declares for its feature, the same way for every source:
 * a smallint 0/1 or the text "true" is a boolean, a numeric string is a number, a date is epoch
 * seconds. A value that does not convert is passed through unchanged, so scoring rejects its row
 * with the message an HTTP caller would get.
 */
final class Conversions {

    private Conversions() {}

    /**
     * Whether source column {@code column} feeds {@code model}: one of a tabular model's features, or a text model's
     * text column ({@code textColumn}).
     */
    static boolean feeds(LoadedModel model, String textColumn, String column) {
        return model.text() != null ? column.equals(textColumn) : model.suppliedType(column) != null;
    }

    /** The type of a column that {@link #feeds} the model; null for a text model's text, which is read as is. */
    static FeatureType type(LoadedModel model, String column) {
        return model.text() != null ? null : model.suppliedType(column);
    }

    /** {@code v} as {@code type}; with no type (a text model's text), {@code v} as read, so that a non-string is rejected. */
    static Object toFeature(Object v, FeatureType type) {
        if (type == null || v == null) {
            return v;
        }
        if (v instanceof String s) {
            s = s.trim();
            if (s.isEmpty()) {
                return null;
            }
            v = s;
        }
        return switch (type) {
            case NUMBER -> number(v);
            case BOOLEAN -> bool(v);
            case STRING -> v instanceof String ? v : text(v);
            case TIMESTAMP -> timestamp(v);
        };
    }

    private static Object number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return s;
            }
        }
        return v;
    }

    private static Object bool(Object v) {
        if (v instanceof Boolean) {
            return v;
        }
        if (v instanceof Number n && (n.doubleValue() == 0 || n.doubleValue() == 1)) {
            return n.doubleValue() == 1;
        }
        if (v instanceof String s) {
            if (s.equalsIgnoreCase("true") || s.equals("1")) {
                return Boolean.TRUE;
            }
            if (s.equalsIgnoreCase("false") || s.equals("0")) {
                return Boolean.FALSE;
            }
        }
        return v;
    }

    private static Object text(Object v) {
        if (v instanceof Number n
                && n.doubleValue() == Math.rint(n.doubleValue())
                && !Double.isInfinite(n.doubleValue())) {
            return Long.toString(n.longValue()); // an integer category code, not "3.0"
        }
        return v.toString();
    }

    private static Object timestamp(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof OffsetDateTime t) {
            return (double) t.toEpochSecond();
        }
        if (v instanceof LocalDateTime t) {
            return (double) t.toEpochSecond(ZoneOffset.UTC);
        }
        if (v instanceof LocalDate d) {
            return (double) d.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        }
        if (v instanceof java.util.Date d) {
            return d.getTime() / 1000.0;
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return s; // ISO-8601 is parsed by the plan; anything else is rejected there
            }
        }
        return v;
    }
}
