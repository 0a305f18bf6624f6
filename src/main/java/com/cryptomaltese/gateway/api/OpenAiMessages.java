package com.cryptomaltese.gateway.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiMessage;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * An OpenAI conversation as the chat templates' messages: roles {@code system}, {@code user},
 * {@code assistant} ({@code developer} is OpenAI's newer name for system), content as text (a list of
 * text parts is joined with line breaks, as vLLM joins them). Every problem is a 400 naming the message
 * and field.
 */
final class OpenAiMessages {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private OpenAiMessages() {
    }

    static List<ChatMessage> of(List<OpenAiMessage> messages, int maxChars) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.badRequest("messages", "is required: send at least one message");
        }
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            OpenAiMessage message = messages.get(i);
            String at = "messages[" + i + "]";
            if (message == null) {
                throw ApiException.badRequest(at, "must be a message object");
            }
            if (message.role() == null || !ROLES.contains(message.role())) {
                throw ApiException.badRequest(at + ".role", "must be system, developer, user or assistant"
                        + (message.role() != null && message.role().matches("[a-z_]{1,20}") ? ", got " + message.role() : "")
                        + " (tool calls are not supported)");
            }
            String content = text(message.content(), at + ".content");
            if (content.codePointCount(0, content.length()) > maxChars) {
                throw ApiException.badRequest(at + ".content", "is longer than " + maxChars + " characters");
            }
            out.add(new ChatMessage(message.role().equals("developer") ? "system" : message.role(), content));
        }
        return out;
    }

    /** A string, or a list of {@code {"type": "text", "text": ...}} parts, one line break between two. */
    private static String text(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            throw ApiException.badRequest(at, "is required: the message's text");
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw ApiException.badRequest(at, "must be a string or a list of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partAt = at + "[" + i + "]";
            if (!part.isObject() || !"text".equals(part.path("type").asText(null))) {
                throw ApiException.badRequest(partAt + ".type", "must be text: only text parts are supported "
                        + "(no images, audio or files)");
            }
            if (!part.path("text").isTextual()) {
                throw ApiException.badRequest(partAt + ".text", "is required: a string");
            }
            text.append(i == 0 ? "" : "\n").append(part.get("text").textValue());
        }
        return text.toString();
    }
}
