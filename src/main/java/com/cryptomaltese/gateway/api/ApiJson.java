package com.cryptomaltese.gateway.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.springframework.stereotype.Component;

/**
 * The API's JSON codec. Reading is strict on purpose: unknown fields, explicit nulls, wrong types
 * ("0.5" for a number, 1 for a boolean, 2.5 for an integer), duplicate keys and trailing content
 * are all refused with the path of the offending field, so a typo never silently falls back to a
 * default.
 */
@Component
public class ApiJson {

    /** Jackson's words for a field sent twice (STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");

    private final ObjectMapper mapper;

    public ApiJson() {
        JsonMapper strict = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(new JavaTimeModule())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .addModule(new SimpleModule().addDeserializer(Double.class, new JsonNumberOnly()))
                .build();
        // Numbers and booleans are not text: refuse 123 where a string is expected.
        strict.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        this.mapper = strict;
    }

    /**
     * A number field takes a JSON number only. Jackson reads the strings "NaN" and "Infinity" as
     * numbers whatever the coercion settings (a client got "must be between 0 and 2, got NaN" instead
     * of "must be a number"), and -0.0 is 0 (it was echoed back as -0.0).
     */
    private static final class JsonNumberOnly extends StdScalarDeserializer<Double> {

        JsonNumberOnly() {
            super(Double.class);
        }

        @Override
        public Double deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            if (!parser.currentToken().isNumeric()) {
                return (Double) context.handleUnexpectedToken(Double.class, parser);
            }
            double value = parser.getDoubleValue();
            return value == 0.0 ? 0.0 : value;
        }
    }

    /** Parses a request body into {@code type}, or throws a 400 naming the field at fault. */
    public <T> T read(byte[] body, Class<T> type) {
        return read(body, type, false);
    }

    /**
     * As {@link #read}, with an explicit null taken as a field not given: OpenAI's API reads nulls so,
     * and its clients send them for options they leave unset.
     */
    public <T> T readNullAsAbsent(byte[] body, Class<T> type) {
        return read(body, type, true);
    }

    private <T> T read(byte[] body, Class<T> type, boolean nullAsAbsent) {
        if (body == null || body.length == 0 || new String(body).isBlank()) {
            throw ApiException.badRequest("body", "is required: send a JSON object");
        }
        try {
            JsonNode tree = mapper.readTree(body);
            if (!tree.isObject()) {
                throw ApiException.badRequest("body", "must be a JSON object");
            }
            if (nullAsAbsent) {
                dropNulls(tree);
            } else {
                rejectNulls(tree, "");
            }
            return mapper.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IOException e) {
            throw ApiException.badRequest("body", "could not be read: " + e.getMessage());
        }
    }

    /**
     * Refuses a body sent to an operation that takes none: nothing in it would be acted on, and a
     * caller who sends {@code {"parameters": ["temperature"]}} to a reset expects what will not
     * happen. No body, a blank one and an empty object (which clients send by habit) pass. (A form
     * body never gets here: {@link RequestBodyFilter} refuses it.)
     */
    public void requireNone(byte[] body, String operation) {
        if (body == null || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return;
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(body);
        } catch (IOException e) {
            tree = null;
        }
        if (tree == null || !tree.isObject() || !tree.isEmpty()) {
            List<String> fields = new ArrayList<>();
            if (tree != null && tree.isObject()) {
                tree.fieldNames().forEachRemaining(fields::add);
            }
            throw ApiException.badRequest("body", "must be empty: " + operation + " takes no body"
                    + (fields.isEmpty() ? "" : " (got " + String.join(", ", fields) + ")"));
        }
    }

    /**
     * An explicit null is refused rather than read as "not given": records cannot tell the two
     * apart, and a caller who sends {@code "temperature": null} expects something to happen.
     */
    private static void rejectNulls(JsonNode node, String path) {
        if (node.isNull()) {
            throw ApiException.badRequest(path, "must not be null (leave the field out instead)");
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> rejectNulls(f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey()));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                rejectNulls(node.get(i), path + "[" + i + "]");
            }
        }
    }

    /**
     * Removes every member whose value is null, at any depth: absent then, even where the field is one
     * the type does not know (what OpenAI's replies carry, echoed back by clients as nulls).
     */
    private static void dropNulls(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.properties().removeIf(member -> member.getValue().isNull());
            object.forEach(ApiJson::dropNulls);
        } else if (node.isArray()) {
            node.forEach(ApiJson::dropNulls);
        }
    }

    public byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serialisable: " + value.getClass().getName(), e);
        }
    }

    private static ApiException translate(JsonProcessingException e) {
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        if (e instanceof StreamReadException read && duplicate.lookingAt()) {
            return ApiException.badRequest(pathTo(read, duplicate.group(1)), "appears twice in the body: send each field once");
        }
        if (e instanceof MismatchedInputException && String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
            return ApiException.badRequest("body", "has more after its JSON object (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "): send one object");
        }
        if (e instanceof JsonMappingException mapping && mapping.getCause() instanceof InputCoercionException number) {
            return ApiException.badRequest(path(mapping), "is a number out of range for the field (" + tokenText(number)
                    + "): see the field's range");
        }
        if (e instanceof JsonParseException parse) {
            return ApiException.badRequest("body", "is not valid JSON (line " + parse.getLocation().getLineNr()
                    + ", column " + parse.getLocation().getColumnNr() + ")");
        }
        if (e instanceof JsonMappingException mapping) {
            String field = path(mapping);
            if (mapping instanceof UnrecognizedPropertyException unknown) {
                List<String> known = new ArrayList<>();
                unknown.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
                known.sort(null);
                return ApiException.badRequest(field, "is not a known field (known: " + String.join(", ", known) + ")");
            }
            if (mapping.getCause() instanceof IllegalArgumentException shape) {
                // a value type's own check of its shape (TokenIds: an integer or a list of integers)
                return ApiException.badRequest(field.isEmpty() ? "body" : field, shape.getMessage());
            }
            if (mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
                return ApiException.badRequest(field.isEmpty() ? "body" : field, "must be " + describe(mismatch.getTargetType()));
            }
            return ApiException.badRequest(field.isEmpty() ? "body" : field, "is malformed");
        }
        return ApiException.badRequest("body", "is not valid JSON");
    }

    private static String tokenText(InputCoercionException e) {
        try {
            return e.getProcessor() != null ? e.getProcessor().getText() : "";
        } catch (IOException gone) {
            return "";
        }
    }

    /**
     * The full path of a field the parser stopped at ({@code parameters.max_length}): its context is
     * the object holding the field, whose parents hold the names and indexes leading to it.
     */
    private static String pathTo(StreamReadException e, String field) {
        String path = field;
        JsonParser parser = e.getProcessor();
        if (parser != null) {
            for (JsonStreamContext c = parser.getParsingContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
                path = c.inArray() ? "[" + c.getCurrentIndex() + "]" + (path.startsWith("[") ? "" : ".") + path
                        : c.getCurrentName() + (path.startsWith("[") ? "" : ".") + path;
            }
        }
        return path;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String describe(Class<?> type) {
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean (true or false)";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "a JSON object";
    }
}
