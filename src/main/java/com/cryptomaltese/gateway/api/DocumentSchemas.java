package com.cryptomaltese.gateway.api;

import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.type.TypeFactory;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.media.Schema;

/**
 * Two corrections to the schemas swagger-core builds the OpenAPI document with. It writes a field's
 * Java type beside its {@code @Schema(oneOf = …)}: {@code type: object} next to the alternatives of
 * eos_token_id (a number or a list) and of a history value, which refuses every real value; a schema
 * with alternatives keeps only them. And it lists no property of a record as required: response
 * records get the list of what is always in the JSON ({@link ResponseFields}).
 */
final class DocumentSchemas implements ModelConverter {

    private final ResponseFields responseFields;

    private DocumentSchemas(ResponseFields responseFields) {
        this.responseFields = responseFields;
    }

    /**
     * Puts the corrections first in swagger-core's shared lists, after Camel has added its own
     * (converters added later are asked first), replacing any earlier ones.
     */
    static synchronized void register(ResponseFields responseFields) {
        try {
            Class.forName("org.apache.camel.openapi.RestModelConverters", true, DocumentSchemas.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("camel-openapi-java is not on the class path", e);
        }
        for (ModelConverters converters : new ModelConverters[] {ModelConverters.getInstance(), ModelConverters.getInstance(true)}) {
            converters.getConverters().stream().filter(c -> c instanceof DocumentSchemas).toList()
                    .forEach(converters::removeConverter);
            converters.addConverter(new DocumentSchemas(responseFields));
        }
    }

    @Override
    public Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
        if (!chain.hasNext()) {
            return null;
        }
        Schema<?> schema = chain.next().resolve(type, context, chain);
        if (schema == null) {
            return null;
        }
        if (schema.getOneOf() != null && !schema.getOneOf().isEmpty()) {
            schema.setType(null);
            schema.setTypes(null);
        }
        if (schema.getProperties() != null && type.getType() != null) {
            Class<?> raw = TypeFactory.defaultInstance().constructType(type.getType()).getRawClass();
            List<String> required = responseFields.required(raw).stream()
                    .filter(name -> schema.getProperties().containsKey(name)).toList();
            if (!required.isEmpty()) {
                schema.setRequired(required);
            }
        }
        return schema;
    }
}
