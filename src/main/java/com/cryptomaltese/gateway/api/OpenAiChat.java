package com.cryptomaltese.gateway.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiAssistantMessage;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiChoice;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiCompletion;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiError;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiModel;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiModelList;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiCompletionRequest;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiRequest;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiSampling;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiTextChoice;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiTextCompletion;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiUsage;
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

    /** Marks an exchange of this channel, whose errors OpenAI's clients read ({@link #error}). */
    static final String CHANNEL = OpenAiChat.class.getName();
    /** As OpenAI's API: up to 4 stop strings. */
    private static final int MAX_STOPS = 4;
    private static final int MAX_STOP_CHARS = 200;
    private static final int MAX_NEW_TOKENS = (int) Parameter.MAX_LENGTH.max();

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

    /** Answers the Chat Completions request in the exchange's body, whole or streamed. */
    public void complete(Exchange exchange) {
        OpenAiRequest request = exchange.getMessage().getBody(OpenAiRequest.class);
        OpenAiUnsupported.refuseChat(request);
        List<ChatMessage> messages = OpenAiMessages.of(request.messages(), maxMessageChars);
        answer(exchange, request, true, (expected, parameters, stop, onText) ->
                chats.answer(messages, expected, parameters, stop, onText), (id, created, response) ->
                new OpenAiCompletion(id, "chat.completion", created, response.modelId(), List.of(new OpenAiChoice(0,
                        new OpenAiAssistantMessage("assistant", response.response()), response.finishReason())),
                        usage(response)));
    }

    /** Answers the (legacy) text completion request in the exchange's body: its prompt continued as it is. */
    public void completeText(Exchange exchange) {
        OpenAiCompletionRequest request = exchange.getMessage().getBody(OpenAiCompletionRequest.class);
        OpenAiUnsupported.refuseText(request);
        String prompt = prompt(request.prompt());
        answer(exchange, request, false, (expected, parameters, stop, onText) ->
                chats.complete(prompt, expected, parameters, stop, onText), (id, created, response) ->
                new OpenAiTextCompletion(id, "text_completion", created, response.modelId(),
                        List.of(new OpenAiTextChoice(response.response(), 0, null, response.finishReason())),
                        usage(response)));
    }

    /** One run of the chat processor for a request; {@code onText} null for a whole reply. */
    @FunctionalInterface
    private interface Run {
        ChatResponse run(ModelId expected, GenerationSettings parameters, List<String> stop, Consumer<String> onText);
    }

    /** The whole reply's object, as the operation answers it. */
    @FunctionalInterface
    private interface Whole {
        Object of(String id, long created, ChatResponse response);
    }

    /** What both operations do alike: the shared fields read, then the reply whole or streamed. */
    private void answer(Exchange exchange, OpenAiSampling request, boolean chat, Run run, Whole whole) {
        OpenAiUnsupported.refuse(request);
        List<String> stop = stopStrings(request.stop());
        ModelId expected = model(request.model());
        GenerationSettings parameters = parameters(request);
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        if (Boolean.TRUE.equals(request.stream())) {
            String model = modelNamed(expected);
            boolean usage = includeUsage(request);
            streams.stream(exchange, onText -> run.run(expected, parameters, stop, onText), chat
                    ? OpenAiChunks.chat(id, created, model, usage, json) : OpenAiChunks.text(id, created, model, usage, json));
        } else {
            reply.write(exchange.getMessage(), 200, whole.of(id, created, run.run(expected, parameters, stop, null)));
        }
    }

    /** The model a stream's chunks name before its reply does: the one the request named, else the loaded one. */
    private String modelNamed(ModelId expected) {
        return expected != null ? expected.toString() : models.current().map(m -> m.id().toString()).orElse(null);
    }

    private static boolean includeUsage(OpenAiSampling request) {
        return request.streamOptions() != null && Boolean.TRUE.equals(request.streamOptions().includeUsage());
    }

    /** A completion's prompt: a string, or a list of one (OpenAI takes several, one reply each). */
    private String prompt(JsonNode prompt) {
        JsonNode text = prompt != null && prompt.isArray() && prompt.size() == 1 ? prompt.get(0) : prompt;
        if (text == null || text.isNull()) {
            throw ApiException.badRequest("prompt", "is required: the text to continue");
        }
        if (!text.isTextual()) {
            throw ApiException.badRequest("prompt", "must be a string, or a list of one string (token ids and "
                    + "several prompts are not supported)");
        }
        if (text.textValue().codePointCount(0, text.textValue().length()) > maxMessageChars) {
            throw ApiException.badRequest("prompt", "is longer than " + maxMessageChars + " characters");
        }
        return text.textValue();
    }

    /** The models that can answer now: the loaded one, or none (loading one takes POST /models/{id}/load). */
    public OpenAiModelList models() {
        List<OpenAiModel> loaded = models.current()
                .map(m -> new OpenAiModel(m.id().toString(), "model", m.loadedAt().getEpochSecond(), m.id().org()))
                .stream().toList();
        return new OpenAiModelList("list", loaded);
    }

    static OpenAiUsage usage(ChatResponse response) {
        int prompt = response.usage().promptTokens();
        int completion = response.usage().completionTokens();
        return new OpenAiUsage(prompt, completion, prompt + completion);
    }

    /**
     * The error as OpenAI's clients read it ({@code error.message}, {@code type}, {@code param},
     * {@code code}), given beside the gateway's own fields in this channel's error responses.
     */
    static OpenAiError error(ApiException failure) {
        String param = failure.details().isEmpty() ? null : failure.details().get(0).field();
        String type = failure.status() >= 500 ? "server_error" : "invalid_request_error";
        return new OpenAiError(failure.getMessage(), type, param, failure.status());
    }

    /**
     * Whether OpenAI's clients, which retry 409 and every 5xx by default, should try the same request
     * again: only when the gateway is busy or starting (503). A model that is not loaded, a broken model
     * and a passed deadline (a minute of the model's time each) answer the same the next time.
     */
    static boolean worthRetrying(int status) {
        return status == 503;
    }

    private static ModelId model(String model) {
        if (model == null) {
            return null;
        }
        if (model.isBlank()) {
            throw ApiException.badRequest("model", "must not be empty: name the loaded model, or leave the field out");
        }
        return ModelId.parse(model, "model");
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
     * search off) whatever the model's stored do_sample says. max_tokens is a ceiling, so one above the
     * gateway's is the gateway's (as llama.cpp's server takes it); the context's end may come first.
     */
    private static GenerationSettings parameters(OpenAiSampling request) {
        String maxField = request.maxTokens() != null ? "max_tokens" : "max_completion_tokens";
        Integer maxTokens = request.maxTokens() != null ? request.maxTokens() : request.maxCompletionTokens();
        boolean samples = (request.temperature() != null && request.temperature() > 0)
                || request.topP() != null || request.topK() != null;
        GenerationSettings settings = new GenerationSettings(request.temperature(), request.topK(), request.topP(),
                maxTokens == null ? null : Math.min(maxTokens, MAX_NEW_TOKENS), request.repetitionPenalty(),
                samples ? Boolean.TRUE : null, samples ? 1 : null, null, null, seed(request.seed()));
        // The gateway's bounds, each problem under the name the caller sent it by.
        List<FieldProblem> problems = Parameter.validate(settings, "").stream()
                .map(p -> p.field().equals(Parameter.MAX_LENGTH.wireName()) ? new FieldProblem(maxField, p.problem()) : p)
                .toList();
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
        return settings;
    }

    /** OpenAI's seed is any 64-bit integer: a negative one is none (llama.cpp's -1), a large one taken modulo 2^31. */
    private static Integer seed(Long seed) {
        return seed == null || seed < 0 ? null : (int) (seed % (1L << 31));
    }
}
