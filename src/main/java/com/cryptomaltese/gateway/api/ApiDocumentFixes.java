package com.cryptomaltese.gateway.api;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the REST DSL cannot say in the OpenAPI document. Camel gives every response of an operation
 * every media type it produces: {@code POST /chat} and {@code POST /openai/chat/completions} produce
 * {@code text/event-stream} too (a streamed chat), so their errors were documented as event streams and
 * their streams as the JSON reply's schema. Their errors are JSON only; each stream is described as the
 * events it carries. The metrics scrape's errors, documented as its text, are JSON too.
 */
final class ApiDocumentFixes {

    static final String EVENT_STREAM = "text/event-stream";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METRICS = "/paths/~1admin~1metrics/get/responses";
    /** Each streaming operation's responses, and what its 200 stream carries. */
    private static final Map<String, ObjectNode> STREAMS = Map.of(
            "/paths/~1chat/post/responses", stream("With \"stream\": true: server-sent events. A token event per "
                    + "piece of the reply (data {\"text\": \"...\"}), then a done event whose data is the "
                    + "application/json reply, or an error event whose data is the error body (ErrorBody) when the "
                    + "generation fails after the first piece",
                    "event: token\ndata: {\"text\":\"Sun\"}\n\nevent: done\ndata: "
                            + "{\"response\":\"Sun on limestone ...\",\"model_id\":\"...\"}\n\n"),
            "/paths/~1openai~1chat~1completions/post/responses", stream("With \"stream\": true: server-sent events "
                    + "as OpenAI sends them. Each data is a chat.completion.chunk (the role with the first piece, a piece "
                    + "of the reply per chunk, then an empty delta with finish_reason, then the usage when "
                    + "stream_options.include_usage), then [DONE]; a failure after the first piece is a data "
                    + "{\"error\": {\"message\", \"type\", \"param\", \"code\"}} and no [DONE]",
                    "data: {\"id\":\"chatcmpl-...\",\"object\":\"chat.completion.chunk\",\"created\":1764200000,"
                            + "\"model\":\"...\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                            + "\"content\":\"Sun\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n"),
            "/paths/~1openai~1completions/post/responses", stream("With \"stream\": true: server-sent events as "
                    + "OpenAI sends them. Each data is a text_completion chunk (a piece of the reply in choices[0].text, "
                    + "then an empty text with finish_reason, then the usage when stream_options.include_usage), then "
                    + "[DONE]; a failure after the first piece is a data {\"error\": {...}} and no [DONE]",
                    "data: {\"id\":\"cmpl-...\",\"object\":\"text_completion\",\"created\":1764200000,"
                            + "\"model\":\"...\",\"choices\":[{\"text\":\", there\",\"index\":0,\"logprobs\":null,"
                            + "\"finish_reason\":null}]}\n\ndata: [DONE]\n\n"));

    private ApiDocumentFixes() {
    }

    /** A string body with {@code description} and {@code example}: an event stream, or the metrics' text. */
    private static ObjectNode stream(String description, String example) {
        return JSON.createObjectNode().set("schema", JSON.createObjectNode()
                .put("type", "string").put("description", description).put("example", example));
    }

    /** {@code document} with the fixes; a document without the streaming operations comes back as it was. */
    static String apply(String document) {
        try {
            JsonNode root = JSON.readTree(document);
            boolean fixed = false;
            for (Map.Entry<String, ObjectNode> stream : STREAMS.entrySet()) {
                fixed |= fix(root.at(stream.getKey()), stream.getValue());
            }
            fixed |= fixMetrics(root.at(METRICS));
            return fixed ? JSON.writeValueAsString(root) : document;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document Camel rendered is not JSON", e);
        }
    }

    /**
     * The metrics scrape produces Prometheus' text format, so Camel documented its errors as text too:
     * they are the JSON error shape, as everywhere; the 200 is text.
     */
    private static boolean fixMetrics(JsonNode responses) {
        if (!responses.isObject()) {
            return false;
        }
        responses.fields().forEachRemaining(response -> {
            ObjectNode content = JSON.createObjectNode();
            if (response.getKey().equals("200")) {
                content.set("text/plain", stream("Prometheus' text format (version 0.0.4)",
                        "# TYPE maltese_completion_tokens_total counter\n"
                                + "maltese_completion_tokens_total{channel=\"api\",model=\"...\"} 30.0\n"));
            } else {
                content.set("application/json", JSON.createObjectNode().set("schema",
                        JSON.createObjectNode().put("$ref", "#/components/schemas/ErrorBody")));
            }
            ((ObjectNode) response.getValue()).set("content", content);
        });
        return true;
    }

    /** The 200's event stream described as what it carries; the event stream taken off every other response. */
    private static boolean fix(JsonNode responses, ObjectNode stream) {
        if (!responses.isObject()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> response = it.next();
            if (!(response.getValue().get("content") instanceof ObjectNode content) || !content.has(EVENT_STREAM)) {
                continue;
            }
            if (response.getKey().equals("200")) {
                content.set(EVENT_STREAM, stream.deepCopy());
            } else {
                content.remove(EVENT_STREAM);
            }
        }
        return true;
    }
}
