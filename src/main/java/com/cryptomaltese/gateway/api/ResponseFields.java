package com.cryptomaltese.gateway.api;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * Which properties of a response record are always in the JSON the gateway writes, for the OpenAPI
 * document's {@code required} lists: a client can tell what is always there from what may be left
 * out. Only records that appear in responses alone (never in a request body, where "required" would
 * mean something else) get one; a property is always there when it is a primitive or its record
 * (or the property itself) is written with {@link JsonInclude.Include#ALWAYS}, which writes absent
 * values as null.
 */
final class ResponseFields {

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private final Set<Class<?>> responseOnly;

    private ResponseFields(Set<Class<?>> responseOnly) {
        this.responseOnly = Set.copyOf(responseOnly);
    }

    /** The records reachable from {@code responses} but not from {@code requests}. */
    static ResponseFields of(Collection<Class<?>> responses, Collection<Class<?>> requests) {
        Set<Class<?>> reached = reachable(responses);
        reached.removeAll(reachable(requests));
        return new ResponseFields(reached);
    }

    /** The JSON names always present in {@code type}'s responses; empty when it gets no required list. */
    List<String> required(Class<?> type) {
        if (!responseOnly.contains(type)) {
            return List.of();
        }
        JsonInclude.Include classLevel = inclusion(type.getAnnotation(JsonInclude.class), JsonInclude.Include.ALWAYS);
        return Arrays.stream(type.getRecordComponents())
                .filter(c -> c.getType().isPrimitive()
                        || inclusion(c.getAccessor().getAnnotation(JsonInclude.class), classLevel) == JsonInclude.Include.ALWAYS)
                .map(c -> SNAKE_CASE.translate(c.getName()))
                .toList();
    }

    private static JsonInclude.Include inclusion(JsonInclude annotation, JsonInclude.Include otherwise) {
        return annotation == null || annotation.value() == JsonInclude.Include.USE_DEFAULTS ? otherwise : annotation.value();
    }

    /** Records of the gateway reachable through record components, lists and maps. */
    private static Set<Class<?>> reachable(Collection<Class<?>> roots) {
        Set<Class<?>> seen = new HashSet<>();
        Deque<Type> pending = new ArrayDeque<>(roots);
        while (!pending.isEmpty()) {
            Type type = pending.pop();
            if (type instanceof ParameterizedType parameterized) {
                pending.addAll(List.of(parameterized.getActualTypeArguments()));
            } else if (type instanceof Class<?> c && c.isRecord() && c.getName().startsWith("com.cryptomaltese.") && seen.add(c)) {
                for (RecordComponent component : c.getRecordComponents()) {
                    pending.add(component.getGenericType());
                }
            } else if (type instanceof Class<?> array && array.isArray()) {
                pending.add(array.getComponentType());
            }
        }
        return seen;
    }
}
