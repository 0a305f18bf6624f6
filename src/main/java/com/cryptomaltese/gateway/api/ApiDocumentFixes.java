package com.cryptomaltese.gateway.api;

import java.util.Iterator;
import java.util.Map;

import com.cryptomaltese.gateway.chat.ChatResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the REST DSL cannot say in the OpenAPI document. Camel gives every response of an operation
 * every media type it produces: {@code POST /chat} produces {@code text/event-stream} too (a streamed
 * chat), so its errors were documented as event streams and its stream as a {@link ChatResponse}
 * schema. Its errors are JSON only; its stream is described as the events it carries.
 */
final class ApiDocumentFixes {

    static final String EVENT_STREAM = "text/event-stream";
    private static final String CHAT = "/paths/~1chat/post/responses";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiDocumentFixes() {
    }

    /** {@code document} with the fixes; a document without the chat operation comes back as it was. */
    static String apply(String document) {
        try {
            JsonNode root = JSON.readTree(document);
            JsonNode responses = root.at(CHAT);
            if (!responses.isObject()) {
                return document;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> response = it.next();
                if (!(response.getValue().get("content") instanceof ObjectNode content) || !content.has(EVENT_STREAM)) {
                    continue;
                }
                if (response.getKey().equals("200")) {
                    content.set(EVENT_STREAM, JSON.createObjectNode().set("schema", JSON.createObjectNode()
                            .put("type", "string")
                            .put("description", "With \"stream\": true: server-sent events. A token event per piece "
                                    + "of the reply (data {\"text\": \"...\"}), then a done event whose data is the "
                                    + "application/json reply, or an error event whose data is the error body "
                                    + "(ErrorBody) when the generation fails after the first piece")
                            .put("example", "event: token\ndata: {\"text\":\"Sun\"}\n\nevent: done\ndata: "
                                    + "{\"response\":\"Sun on limestone ...\",\"model_id\":\"...\"}\n\n")));
                } else {
                    content.remove(EVENT_STREAM);
                }
            }
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the OpenAPI document Camel rendered is not JSON", e);
        }
    }
}
