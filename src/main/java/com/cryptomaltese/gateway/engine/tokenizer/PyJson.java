package com.cryptomaltese.gateway.engine.tokenizer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, the body of
 * transformers' {@code tojson} filter. Jinjava's own tojson writes compact Jackson output ({@code {"a":1}}),
 * while Python writes {@code {"a": 1}}; tool schemas in prompts must match byte for byte.
 */
final class PyJson {

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /** @param indent null for one line, else the string repeated per nesting level (Python's int indent = spaces) */
    PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : (indent == null ? ", " : ",");
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, 0);
        return b.toString();
    }

    private void write(StringBuilder b, Object v, int depth) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
            b.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            b.append(n.longValue());
        } else if (v instanceof Map<?, ?> map) {
            writeMap(b, map, depth);
        } else if (v instanceof Iterable<?> items) {
            List<Object> list = new ArrayList<>();
            items.forEach(list::add);
            writeList(b, list, depth);
        } else if (v instanceof Object[] array) {
            writeList(b, List.of(array), depth);
        } else {
            writeString(b, v.toString());
        }
    }

    private void writeMap(StringBuilder b, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            b.append("{}");
            return;
        }
        Map<String, Object> entries = sortKeys ? new TreeMap<>() : new java.util.LinkedHashMap<>();
        map.forEach((k, val) -> entries.put(String.valueOf(k), val));
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            if (!first) {
                b.append(itemSeparator);
            }
            first = false;
            newline(b, depth + 1);
            writeString(b, e.getKey());
            b.append(keySeparator);
            write(b, e.getValue(), depth + 1);
        }
        newline(b, depth);
        b.append('}');
    }

    private void writeList(StringBuilder b, List<?> list, int depth) {
        if (list.isEmpty()) {
            b.append("[]");
            return;
        }
        b.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                b.append(itemSeparator);
            }
            newline(b, depth + 1);
            write(b, list.get(i), depth + 1);
        }
        newline(b, depth);
        b.append(']');
    }

    private void newline(StringBuilder b, int depth) {
        if (indent != null) {
            b.append('\n').append(indent.repeat(depth));
        }
    }

    /** ensure_ascii=False: only quotes, backslashes and control characters are escaped. */
    private static void writeString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Python's float repr: shortest round-trip digits, exponent form outside [1e-4, 1e16). */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = exact.precision() - exact.scale() - 1;
        if (exponent >= -4 && exponent < 16) {
            String plain = exact.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = exact.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
