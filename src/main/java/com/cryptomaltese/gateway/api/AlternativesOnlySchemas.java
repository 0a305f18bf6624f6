package com.cryptomaltese.gateway.api;

import java.util.Iterator;

import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.media.Schema;

/**
 * swagger-core, which the OpenAPI document is built with, writes a field's Java type beside its
 * {@code @Schema(oneOf = …)}: {@code type: object} next to the alternatives of eos_token_id (a
 * number or a list) and of a history value, which refuses every real value. A schema with
 * alternatives keeps only them.
 */
final class AlternativesOnlySchemas implements ModelConverter {

    private AlternativesOnlySchemas() {
    }

    /**
     * Puts this converter first in swagger-core's shared lists, after Camel has added its own
     * (converters added later are asked first), once per list.
     */
    static synchronized void register() {
        try {
            Class.forName("org.apache.camel.openapi.RestModelConverters", true, AlternativesOnlySchemas.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("camel-openapi-java is not on the class path", e);
        }
        for (ModelConverters converters : new ModelConverters[] {ModelConverters.getInstance(), ModelConverters.getInstance(true)}) {
            if (converters.getConverters().stream().noneMatch(c -> c instanceof AlternativesOnlySchemas)) {
                converters.addConverter(new AlternativesOnlySchemas());
            }
        }
    }

    @Override
    public Schema<?> resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
        if (!chain.hasNext()) {
            return null;
        }
        Schema<?> schema = chain.next().resolve(type, context, chain);
        if (schema != null && schema.getOneOf() != null && !schema.getOneOf().isEmpty()) {
            schema.setType(null);
            schema.setTypes(null);
        }
        return schema;
    }
}
