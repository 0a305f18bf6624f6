package com.cryptomaltese.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.cryptomaltese.gateway.ApiTestBase;
import com.cryptomaltese.gateway.TestApi.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Swagger UI at /docs and the OpenAPI document it reads, both without a key. */
class DocsTest extends ApiTestBase {

    @Autowired
    CachedApiDocument document;

    private static final List<String> OPERATIONS = List.of("postChat", "health", "listModels", "loadModel",
            "unloadModel", "downloadModel", "getModel", "deleteModel", "getParameters", "updateParameters",
            "resetParameters", "getParameterHistory", "cleanup", "purgeLogs", "systemStatus", "exportUser", "eraseUser",
            "openAiChatCompletions", "openAiCompletions", "openAiModels", "metrics");

    @Test
    void docsServesSwaggerUiReadingOurDocument() {
        Reply redirect = api.get("/docs", null);
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("Location")).endsWith("/docs/index.html");
        Reply page = api.get("/docs/index.html", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("swagger-ui-bundle.js", "swagger-initializer.js");
        assertThat(api.get("/webjars/swagger-ui/swagger-ui-bundle.js", null).status()).isEqualTo(200);
        assertThat(api.get("/webjars/swagger-ui/swagger-ui.css", null).status()).isEqualTo(200);
        assertThat(api.get("/docs/swagger-initializer.js", null).body()).contains("url: \"/api/v1/openapi.json\"");
    }

    @Test
    void theDocumentDescribesEveryOperationWithIdsAndSecurity() {
        JsonNode doc = openApi();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.at("/servers/0/url").asText()).isEqualTo("/api/v1");
        // A client's forwarded headers name no other host for "Try it out" to send keys to.
        JsonNode forged = api.send(api.request("/api/v1/openapi.json", null)
                .header("X-Forwarded-Host", "evil.example").header("X-Forwarded-Proto", "https")).json();
        assertThat(forged.at("/servers/0/url").asText()).isEqualTo("/api/v1");
        // Nor does a query (Camel makes query parameters headers).
        JsonNode forgedQuery = api.get("/api/v1/openapi.json?X-Forwarded-Host=evil.example&X-Forwarded-Proto=https"
                + "&X-Forwarded-Prefix=/x", null).json();
        assertThat(forgedQuery.at("/servers/0/url").asText()).isEqualTo("/api/v1");
        Reply echo = api.get("/api/v1/openapi.json?Set-Cookie=a%3D1&Refresh=0%3Burl%3Dhttps%3A%2F%2Fevil.example%2F", null);
        assertThat(echo.header("Set-Cookie")).isNull();
        assertThat(echo.header("Refresh")).isNull();
        List<String> ids = new ArrayList<>();
        doc.get("paths").forEach(path -> path.forEach(operation -> {
            String id = operation.get("operationId").asText();
            ids.add(id);
            if (!id.equals("health")) {
                assertThat(operation.get("security").toString()).as(id).contains("api_key", "bearer");
                assertThat(operation.at("/responses/401").isMissingNode()).as(id).isFalse();
            }
        }));
        assertThat(ids).containsExactlyInAnyOrderElementsOf(OPERATIONS);
        assertThat(doc.at("/paths/~1models~1{model_id}~1parameters/put/requestBody").isMissingNode()).isFalse();
        assertThat(doc.at("/paths/~1admin~1cleanup/post/responses/403").isMissingNode()).isFalse();
        // A JSON body where there is one (415 otherwise), none where there is none, optional for purge-logs.
        for (String withBody : List.of("/paths/~1chat/post", "/paths/~1models~1download/post",
                "/paths/~1models~1{model_id}~1parameters/put", "/paths/~1admin~1cleanup/post")) {
            assertThat(doc.at(withBody + "/requestBody/required").asBoolean()).as(withBody).isTrue();
            assertThat(doc.at(withBody + "/responses/415").isMissingNode()).as(withBody).isFalse();
        }
        for (String bodiless : List.of("/paths/~1models~1{model_id}~1load/post", "/paths/~1models~1{model_id}~1unload/post",
                "/paths/~1models~1{model_id}~1parameters~1reset/post")) {
            assertThat(doc.at(bodiless + "/requestBody").isMissingNode()).as(bodiless).isTrue();
        }
        assertThat(doc.at("/paths/~1admin~1purge-logs/post/requestBody/required").asBoolean(true)).isFalse();
        // Every error answer has the error shape; a model id in the path can be malformed (400), a body too large (413).
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(verb -> {
            String where = verb.getKey() + " " + path.getKey();
            verb.getValue().get("responses").fields().forEachRemaining(response -> {
                if (response.getKey().compareTo("400") >= 0) {
                    // The OpenAI channel's errors: the same shape with OpenAI's error object beside it.
                    String shape = path.getKey().startsWith("/openai/") ? "OpenAiErrorBody" : "ErrorBody";
                    assertThat(response.getValue().at("/content/application~1json/schema/$ref").asText())
                            .as(where + " " + response.getKey()).isEqualTo("#/components/schemas/" + shape);
                }
            });
            if (path.getKey().contains("{model_id}")) {
                assertThat(verb.getValue().has("responses") && verb.getValue().get("responses").has("400")).as(where).isTrue();
            }
            if (verb.getValue().has("requestBody")) {
                assertThat(verb.getValue().get("responses").has("413")).as(where).isTrue();
            }
            // a form or multipart request is refused everywhere
            assertThat(verb.getValue().get("responses").has("415")).as(where).isTrue();
        }));
        assertThat(doc.at("/paths/~1chat/post/responses/500").isMissingNode()).isFalse();
        // A chat answers an event stream when streamed; its errors are JSON whatever it was asked.
        assertStreamedWithJsonErrors(doc.at("/paths/~1chat/post/responses"), "/ChatResponse", "token", "done", "error");
        assertStreamedWithJsonErrors(doc.at("/paths/~1openai~1chat~1completions/post/responses"), "/OpenAiCompletion",
                "chat.completion.chunk", "[DONE]", "error");
        assertStreamedWithJsonErrors(doc.at("/paths/~1openai~1completions/post/responses"), "/OpenAiTextCompletion",
                "text_completion", "[DONE]", "error");
        // Schemas name fields as the wire does; two records of one simple name once made Camel write refs
        // that are no JSON pointers (ModelList, Usage).
        assertThat(doc.at("/components/schemas/OpenAiRequest/properties").fieldNames()).toIterable()
                .contains("max_tokens", "stream_options", "top_p", "repetition_penalty").doesNotContain("maxTokens");
        assertThat(doc.at("/components/schemas/OpenAiMessage/properties/content/oneOf")).hasSize(2);
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty().allSatisfy(ref -> {
            assertThat(ref).startsWith("#/components/schemas/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        });
        assertThat(doc.at("/paths/~1health/get/responses/503").isMissingNode()).isFalse();
        assertProperties(doc.at("/components/schemas"), "ErrorBody", "status", "message", "details");
        assertProperties(doc.at("/components/schemas"), "OpenAiErrorBody", "status", "message", "details", "error");
        assertThat(doc.at("/paths/~1admin~1purge-logs/post/responses/415").isMissingNode()).isFalse();

        JsonNode schemes = doc.at("/components/securitySchemes");
        assertThat(schemes.at("/api_key/type").asText()).isEqualTo("apiKey");
        assertThat(schemes.at("/api_key/in").asText()).isEqualTo("header");
        assertThat(schemes.at("/api_key/name").asText()).isEqualTo("X-API-Key");
        assertThat(schemes.at("/bearer/scheme").asText()).isEqualTo("bearer");
    }

    @Test
    void schemasUseTheSpecificationsFieldNames() {
        JsonNode schemas = openApi().at("/components/schemas");
        assertProperties(schemas, "ChatRequest", "message", "model_id", "parameters", "conversation_id", "user_id",
                "channel", "reset");
        assertProperties(schemas, "ChatResponse", "response", "model_id", "parameters_used", "processing_time",
                "timestamp", "finish_reason", "usage");
        assertProperties(schemas, "GenerationSettings", "temperature", "top_k", "top_p", "max_length",
                "repetition_penalty", "do_sample", "num_beams", "length_penalty", "early_stopping", "seed",
                "eos_token_id", "pad_token_id");
        assertProperties(schemas, "ModelParameters", "model_id", "parameters", "sources", "last_updated");
        assertProperties(schemas, "ModelSummary", "id", "name", "status", "description", "format", "engine",
                "quantisation", "size", "source", "parameters");
        assertProperties(schemas, "ModelLoaded", "status", "message", "model_id", "loaded_at");
        assertProperties(schemas, "DownloadRequest", "model_name", "model_format", "auth_token");
        assertProperties(schemas, "ParametersUpdated", "updated_parameters", "last_updated");
        assertProperties(schemas, "CleanupRequest", "operations", "force");
        assertProperties(schemas, "CleanupResult", "operations_completed", "space_freed");
        assertProperties(schemas, "PurgeLogsRequest", "older_than_days", "keep_latest_files", "log_levels");
        assertProperties(schemas, "PurgeLogsResult", "files_removed", "space_freed");
        assertProperties(schemas, "SystemStatus", "status", "disk", "memory", "model", "last_cleanup");
        assertThat(schemas.at("/GenerationSettings/properties/max_length/description").asText())
                .contains("max_new_tokens");
        assertThat(schemas.at("/GenerationSettings/properties/temperature/maximum").asDouble()).isEqualTo(2.0);
        // one id or a list of ids, as transformers takes it
        JsonNode eos = schemas.at("/GenerationSettings/properties/eos_token_id");
        assertThat(eos.at("/oneOf/0/type").asText()).isEqualTo("integer");
        assertThat(eos.at("/oneOf/1/items/type").asText()).isEqualTo("integer");
        assertThat(schemas.at("/GenerationSettings/properties/pad_token_id/minimum").asInt()).isZero();
        // beam search runs on every engine (GGUF too): no engine's exception is documented any more
        for (String beamOnly : List.of("num_beams", "length_penalty", "early_stopping", "eos_token_id")) {
            assertThat(schemas.at("/GenerationSettings/properties/" + beamOnly + "/description").asText()).as(beamOnly)
                    .isNotEmpty().doesNotContain("refuse it", "no beam search");
        }
    }

    /** The statuses each operation documents are those it answers (checked against the routes' behaviour in the API tests). */
    @Test
    void documentedStatusesAreTheOnesAnswered() {
        JsonNode paths = openApi().path("paths");
        JsonNode download = paths.at("/~1models~1download/post/responses");
        assertThat(download.has("200")).as("download answers 202 only").isFalse();
        assertThat(download.at("/202/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/DownloadStarted");
        assertThat(paths.at("/~1models~1{model_id}~1load/post/responses").has("503")).isFalse();
        for (String op : List.of("/~1admin~1cleanup/post", "/~1admin~1purge-logs/post",
                "/~1users~1{channel}~1{user_id}/get", "/~1users~1{channel}~1{user_id}/delete")) {
            assertThat(paths.at(op + "/responses").has("400")).as(op).isTrue();
        }
        JsonNode schemas = openApi().path("components").path("schemas");
        assertThat(schemas.at("/StoredMessage/properties/conversation_id/nullable").asBoolean()).isTrue();
        assertThat(schemas.at("/ParameterChange/properties/new_value/oneOf").findValuesAsText("type"))
                .contains("number", "integer", "boolean", "array");
    }

    /**
     * Rendering the document costs a fraction of a CPU second and needs no key: it is rendered once
     * and then served as rendered, to any number of callers at once.
     */
    @Test
    void theDocumentIsRenderedOnceAndServedAlike() throws Exception {
        String first = api.get("/api/v1/openapi.json", null).body();
        int rendered = document.renders();
        List<CompletableFuture<Reply>> replies = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 24; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> api.get("/api/v1/openapi.json", null), callers));
            }
            CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get();
        } finally {
            callers.shutdown();
        }
        for (CompletableFuture<Reply> reply : replies) {
            assertThat(reply.get().status()).isEqualTo(200);
            assertThat(reply.get().header("Content-Type")).startsWith("application/json");
            assertThat(reply.get().body()).isEqualTo(first);
        }
        assertThat(rendered).isEqualTo(1);
        assertThat(document.renders()).isEqualTo(1);
    }

    private JsonNode openApi() {
        Reply reply = api.get("/api/v1/openapi.json", null);
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    /**
     * Values of several JSON types are described by their alternatives alone: a "type: object" beside
     * them would refuse every real value (2, [2, 3], 0.7), and overlapping alternatives (number and
     * integer) would make every integer match twice, which oneOf forbids.
     */
    @Test
    void valuesOfSeveralTypesAreDescribedByTheirAlternativesAlone() {
        JsonNode schemas = openApi().at("/components/schemas");
        Map<String, List<String>> alternativesOf = Map.of(
                "/GenerationSettings/properties/eos_token_id", List.of("integer", "array"),
                "/ParameterChange/properties/old_value", List.of("number", "boolean", "array"),
                "/ParameterChange/properties/new_value", List.of("number", "boolean", "array"));
        alternativesOf.forEach((property, expected) -> {
            JsonNode schema = schemas.at(property);
            assertThat(schema.has("type")).as(property + ": " + schema).isFalse();
            List<String> types = new ArrayList<>();
            schema.path("oneOf").forEach(a -> types.add(a.path("type").asText()));
            assertThat(types).as(property + ": " + schema).containsExactlyElementsOf(expected);
        });
    }

    /**
     * Response records list what is always in their JSON: every property of one written with
     * absent values as null, the primitives of one that leaves them out; records that are also
     * request bodies get no list from the responses (it would make optional request fields mandatory).
     */
    @Test
    void responsesListTheFieldsTheyAlwaysHave() {
        JsonNode schemas = openApi().at("/components/schemas");
        assertThat(texts(schemas.at("/ChatResponse/required"))).containsExactlyInAnyOrder("response", "model_id",
                "parameters_used", "finish_reason", "usage", "processing_time", "timestamp");
        assertThat(texts(schemas.at("/ErrorBody/required"))).containsExactlyInAnyOrder("status", "message", "details");
        assertThat(texts(schemas.at("/ModelSummary/required"))).containsExactly("size");
        assertThat(texts(schemas.at("/GenerationSettings/required"))).isEmpty();
        assertThat(texts(schemas.at("/ChatRequest/required"))).doesNotContain("model_id", "parameters", "conversation_id");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void assertProperties(JsonNode schemas, String schema, String... fields) {
        JsonNode properties = schemas.at("/" + schema + "/properties");
        assertThat(properties.isMissingNode()).as(schema + " in " + schemas.fieldNames()).isFalse();
        List<String> names = new ArrayList<>();
        properties.fieldNames().forEachRemaining(names::add);
        assertThat(names).as(schema).contains(fields);
    }

    private static void assertStreamedWithJsonErrors(JsonNode responses, String schema, String... described) {
        assertThat(responses.at("/200/content/application~1json/schema/$ref").asText()).endsWith(schema);
        assertThat(responses.at("/200/content/text~1event-stream/schema/type").asText()).isEqualTo("string");
        assertThat(responses.at("/200/content/text~1event-stream/schema/description").asText()).contains(described);
        responses.fields().forEachRemaining(response -> {
            if (!response.getKey().equals("200") && response.getValue().has("content")) {
                assertThat(response.getValue().get("content").fieldNames()).toIterable().as(response.getKey())
                        .containsExactly("application/json");
            }
        });
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.has("$ref")) {
            refs.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, refs));
    }
}
