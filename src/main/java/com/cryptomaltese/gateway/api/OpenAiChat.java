package com.cryptomaltese.gateway.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.OpenAiViews.AssistantMessage;
import com.cryptomaltese.gateway.api.OpenAiViews.Choice;
import com.cryptomaltese.gateway.api.OpenAiViews.Completion;
import com.cryptomaltese.gateway.api.OpenAiViews.CompletionRequest;
import com.cryptomaltese.gateway.api.OpenAiViews.ModelEntry;
import com.cryptomaltese.gateway.api.OpenAiViews.ModelList;
import com.cryptomaltese.gateway.api.OpenAiViews.Usage;
import com.cryptomaltese.gateway.chat.ChatProcessor;
import com.cryptomaltese.gateway.chat.ChatResponse;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The OpenAI-compatible channel ({@code /api/v1/openai}, the base URL OpenAI's clients, LangChain and
 * Open WebUI take): a Chat Completions request in, the same chat processor as every channel, a
 * {@code chat.completion} out, or its chunks as server-sent events. The caller keeps the conversation
 * and sends it whole each time, so nothing is stored. The request's sampling fields go over the
 * model's stored parameters, as a chat's {@code parameters} do; a field left out keeps the stored value.
 */
@Component
public class OpenAiChat {

    /** As OpenAI's API: up to 4 stop strings. */
    private static final int MAX_STOPS = 4;
    private static final int MAX_STOP_CHARS = 200;

    private final ChatProcessor chats;
    private final ChatStreams streams;
    private final ModelService models;
    private final ApiReply reply;
    private final ApiJson json;
    private final int maxMessageChars;

    OpenAiChat(ChatProcessor chats, ChatStreams streams, ModelService models, ApiReply reply, ApiJson json,
               GatewayProperties properties) {
        this.chats = chats;
        this.streams = streams;
        this.models = models;
        this.reply = reply;
        this.json = json;
        this.maxMessageChars = properties.chat().maxMessageChars();
    }

    /** Answers the request in the exchange's body, whole or streamed. */
    public void complete(Exchange exchange) {
        CompletionRequest request = exchange.getMessage().getBody(CompletionRequest.class);
        refuseUnsupported(request);
        List<String> stop = stopStrings(request.stop());
        List<ChatMessage> messages = OpenAiMessages.of(request.messages(), maxMessageChars);
        ModelId expected = request.model() == null ? null : ModelId.parse(request.model(), "model");
        GenerationSettings parameters = parameters(request);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        if (Boolean.TRUE.equals(request.stream())) {
            boolean usage = request.streamOptions() != null && Boolean.TRUE.equals(request.streamOptions().includeUsage());
            String model = expected != null ? expected.toString()
                    : models.current().map(m -> m.id().toString()).orElse(null);
            streams.stream(exchange, onText -> chats.answer(messages, expected, parameters, stop, onText),
                    new OpenAiChunks(id, created, model, usage, json));
        } else {
            ChatResponse response = chats.answer(messages, expected, parameters, stop, null);
            reply.write(exchange.getMessage(), 200, new Completion(id, "chat.completion", created, response.modelId(),
                    List.of(new Choice(0, new AssistantMessage("assistant", response.response()), response.finishReason())),
                    usage(response)));
        }
    }

    /** The models that can answer now: the loaded one, or none (loading one takes POST /models/{id}/load). */
    public ModelList models() {
        List<ModelEntry> loaded = models.current()
                .map(m -> new ModelEntry(m.id().toString(), "model", m.loadedAt().getEpochSecond(), m.id().org()))
                .stream().toList();
        return new ModelList("list", loaded);
    }

    static Usage usage(ChatResponse response) {
        int prompt = response.usage().promptTokens();
        int completion = response.usage().completionTokens();
        return new Usage(prompt, completion, prompt + completion);
    }

    /** OpenAI fields the gateway does not implement pass only with the value that asks for nothing. */
    private static void refuseUnsupported(CompletionRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        if (request.n() != null && request.n() != 1) {
            problems.add(new FieldProblem("n", "must be 1: the gateway makes one reply per request, got " + request.n()));
        }
        if (request.presencePenalty() != null && request.presencePenalty() != 0) {
            problems.add(new FieldProblem("presence_penalty", "is not supported (0 only): use repetition_penalty"));
        }
        if (request.frequencyPenalty() != null && request.frequencyPenalty() != 0) {
            problems.add(new FieldProblem("frequency_penalty", "is not supported (0 only): use repetition_penalty"));
        }
        if (Boolean.TRUE.equals(request.logprobs())) {
            problems.add(new FieldProblem("logprobs", "is not supported (false only)"));
        }
        if (request.maxTokens() != null && request.maxCompletionTokens() != null
                && !request.maxTokens().equals(request.maxCompletionTokens())) {
            problems.add(new FieldProblem("max_completion_tokens", "differs from max_tokens: send one of the two"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
    }

    /** OpenAI's {@code stop}: a string or a list of up to 4, each 1 to {@value #MAX_STOP_CHARS} characters. */
    static List<String> stopStrings(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<JsonNode> given = new ArrayList<>();
        if (stop.isTextual()) {
            given.add(stop);
        } else if (stop.isArray()) {
            stop.forEach(given::add);
        } else {
            throw ApiException.badRequest("stop", "must be a string or a list of strings");
        }
        if (given.size() > MAX_STOPS) {
            throw ApiException.badRequest("stop", "holds " + given.size() + " strings; at most " + MAX_STOPS);
        }
        List<String> stops = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String field = stop.isArray() ? "stop[" + i + "]" : "stop";
            JsonNode one = given.get(i);
            if (!one.isTextual() || one.textValue().isEmpty()) {
                throw ApiException.badRequest(field, "must be a non-empty string");
            }
            if (one.textValue().codePointCount(0, one.textValue().length()) > MAX_STOP_CHARS) {
                throw ApiException.badRequest(field, "is longer than " + MAX_STOP_CHARS + " characters");
            }
            stops.add(one.textValue());
        }
        return stops;
    }

    /**
     * The request's sampling fields as the gateway's parameters. OpenAI always samples unless the
     * temperature is 0, so a temperature above 0, a top_p or a top_k turn sampling on (and beam
     * search off) whatever the model's stored do_sample says; a temperature of 0 is greedy decoding.
     */
    private static GenerationSettings parameters(CompletionRequest request) {
        String maxField = request.maxTokens() != null ? "max_tokens" : "max_completion_tokens";
        Integer maxTokens = request.maxTokens() != null ? request.maxTokens() : request.maxCompletionTokens();
        boolean samples = (request.temperature() != null && request.temperature() > 0)
                || request.topP() != null || request.topK() != null;
        GenerationSettings settings = new GenerationSettings(request.temperature(), request.topK(), request.topP(),
                maxTokens, request.repetitionPenalty(), samples ? Boolean.TRUE : null, samples ? 1 : null, null, null,
                request.seed());
        // The gateway's bounds, each problem under the name the caller sent it by.
        List<FieldProblem> problems = Parameter.validate(settings, "").stream()
                .map(p -> p.field().equals(Parameter.MAX_LENGTH.wireName()) ? new FieldProblem(maxField, p.problem()) : p)
                .toList();
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return settings;
    }
}
