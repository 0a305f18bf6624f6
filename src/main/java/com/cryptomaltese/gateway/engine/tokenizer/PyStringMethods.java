package com.cryptomaltese.gateway.engine.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves Python string methods ({@code content.strip()}, {@code .startswith('<tool')}, {@code .split('</think>')})
 * and {@code dict.get(key, default)} that chat templates call. Without it Jinjava would call the Java method of the same name where one exists,
 * with different semantics ({@code String.split} takes a regex, {@code strip} another whitespace set), or fail.
 */
final class PyStringMethods extends ELResolver {

    private static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith",
            "split", "upper", "lower", "title", "capitalize", "replace", "join");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        Object[] args = params == null ? new Object[0] : params;
        if (base instanceof Map<?, ?> map && "get".equals(method) && (args.length == 1 || args.length == 2)) {
            // dict.get(key, default): Java's Map.get takes no default
            context.setPropertyResolved(true);
            return map.containsKey(args[0]) ? map.get(args[0]) : args.length == 2 ? args[1] : null;
        }
        if (!(base instanceof String s) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        Object result = switch (name) {
            case "strip" -> PyStrings.strip(s, optionalString(args, 0));
            case "lstrip" -> PyStrings.lstrip(s, optionalString(args, 0));
            case "rstrip" -> PyStrings.rstrip(s, optionalString(args, 0));
            case "startswith" -> prefixes(args).stream().anyMatch(s::startsWith);
            case "endswith" -> prefixes(args).stream().anyMatch(s::endsWith);
            case "split" -> PyStrings.split(s, optionalString(args, 0),
                    args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "replace" -> replace(s, String.valueOf(args[0]), String.valueOf(args[1]),
                    args.length > 2 ? ((Number) args[2]).intValue() : -1);
            case "join" -> join(s, args[0]);
            default -> throw new IllegalStateException(name);
        };
        context.setPropertyResolved(true);
        return result;
    }

    private static String optionalString(Object[] args, int i) {
        return args.length > i && args[i] != null ? args[i].toString() : null;
    }

    /** startswith/endswith accept a string or a tuple (a list here) of strings. */
    private static List<String> prefixes(Object[] args) {
        List<String> out = new ArrayList<>();
        if (args[0] instanceof Iterable<?> many) {
            many.forEach(p -> out.add(String.valueOf(p)));
        } else {
            out.add(String.valueOf(args[0]));
        }
        return out;
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            b.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from >= s.length()) {
                    break;
                }
                b.append(s.charAt(from++));
            }
        }
        return b.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        ((Iterable<?>) items).forEach(p -> parts.add(String.valueOf(p)));
        return String.join(separator, parts);
    }

    // Property access is left to Jinjava's own resolvers.
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
