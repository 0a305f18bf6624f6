package com.cryptomaltese.gateway.engine.tokenizer;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** Filters whose Jinjava versions differ from the Jinja/transformers ones in output. */
final class PythonFilters {

    private PythonFilters() {
    }

    static void register(Context context) {
        context.registerFilter(named("tojson", PythonFilters::tojson));
        context.registerFilter(named("trim", (value, args, kwargs) ->
                PyStrings.strip(String.valueOf(value), args.length > 0 && args[0] != null ? args[0].toString() : null)));
        Filter jinjavaLength = context.getFilter("length");
        // Python counts code points; Java strings count UTF-16 units (an emoji would count 2)
        context.registerFilter(named("length", (value, args, kwargs) -> value instanceof String s
                ? (Object) (long) s.codePointCount(0, s.length())
                : jinjavaLength.filter(value, JinjavaInterpreter.getCurrent(), args, kwargs)));
        context.registerFilter(named(REVERSED_SLICE, (value, args, kwargs) -> reversedSlice(value)));
    }

    /** What Python's {@code value[::-1]} gives (JinjaRewrites writes the slice as this filter). */
    static final String REVERSED_SLICE = "py_reversed_slice";

    private static Object reversedSlice(Object value) {
        if (value instanceof String s) {
            return new StringBuilder(s).reverse().toString(); // surrogate pairs stay whole, as in Python
        }
        List<Object> items = new ArrayList<>();
        if (value instanceof Iterable<?> iterable) {
            iterable.forEach(items::add);
        } else if (value instanceof Object[] array) {
            items.addAll(Arrays.asList(array));
        } else if (value != null) {
            throw new IllegalArgumentException("[::-1] of " + value.getClass().getSimpleName() + " is not supported");
        }
        Collections.reverse(items);
        return items;
    }

    /**
     * transformers' tojson: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}
     * with those keyword (or positional) arguments.
     */
    private static Object tojson(Object value, Object[] args, Map<String, Object> kwargs) {
        Object indent = arg(args, kwargs, 1, "indent");
        Object separators = arg(args, kwargs, 2, "separators");
        Object sortKeys = arg(args, kwargs, 3, "sort_keys");
        Object ensureAscii = arg(args, kwargs, 0, "ensure_ascii");
        if (Boolean.TRUE.equals(ensureAscii)) {
            throw new IllegalArgumentException("tojson(ensure_ascii=true) is not supported");
        }
        String indentString = indent == null ? null
                : indent instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : indent.toString();
        String itemSeparator = null;
        String keySeparator = null;
        if (separators instanceof List<?> pair && pair.size() == 2) {
            itemSeparator = String.valueOf(pair.get(0));
            keySeparator = String.valueOf(pair.get(1));
        }
        return new PyJson(indentString, itemSeparator, keySeparator, Boolean.TRUE.equals(sortKeys)).dumps(value);
    }

    private static Object arg(Object[] args, Map<String, Object> kwargs, int position, String name) {
        if (kwargs != null && kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return args != null && args.length > position ? args[position] : null;
    }

    private interface Body {
        Object apply(Object value, Object[] args, Map<String, Object> kwargs);
    }

    private static AdvancedFilter named(String name, Body body) {
        return new AdvancedFilter() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
                return body.apply(value, args == null ? new Object[0] : args, kwargs);
            }
        };
    }
}
