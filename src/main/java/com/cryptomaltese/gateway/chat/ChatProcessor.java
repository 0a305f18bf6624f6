package com.cryptomaltese.gateway.chat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.api.ApiException;
import com.cryptomaltese.gateway.engine.BrokenModelException;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.PromptTooLongException;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import com.cryptomaltese.gateway.engine.tokenizer.ChatTemplateException;
import com.cryptomaltese.gateway.metrics.ChatMetrics;
import com.cryptomaltese.gateway.model.ModelId;
import com.cryptomaltese.gateway.model.ModelService;
import com.cryptomaltese.gateway.params.GenerationSettings;
import com.cryptomaltese.gateway.params.ParameterService;
import org.springframework.stereotype.Component;

/**
 * The one place every channel's message is answered ({@code direct:chat} in routes/chat.yaml):
 * validates the request, assembles the prompt messages, merges the parameters and runs the loaded
 * model under the generation deadline.
 */
@Component
public class ChatProcessor {

    private static final String PARAMETERS = "parameters.";

    private final ModelService models;
    private final ParameterService parameters;
    private final Conversations conversations;
    private final GatewayProperties.Chat settings;
    private final ChatMetrics metrics;
    private final Clock clock = Clock.systemUTC();

    ChatProcessor(ModelService models, ParameterService parameters, Conversations conversations,
                  GatewayProperties properties, ChatMetrics metrics) {
        this.models = models;
        this.parameters = parameters;
        this.conversations = conversations;
        this.settings = properties.chat();
        this.metrics = metrics;
    }

    public ChatResponse chat(ChatRequest request) {
        return stream(request, null);
    }

    /**
     * Answers {@code request}, handing the reply's text to {@code onText} piece by piece as it is
     * generated (null: only the whole reply). What {@code onText} throws ends the generation and
     * leaves this method; the conversation then keeps nothing of the turn.
     */
    public ChatResponse stream(ChatRequest request, Consumer<String> onText) {
        String message = validMessage(request.message());
        ModelId expected = request.modelId() == null ? null : ModelId.parse(request.modelId(), "model_id");
        GenerationSettings requested = request.parameters() == null ? GenerationSettings.NONE : request.parameters();
        ParameterService.validate(requested, PARAMETERS);
        ConversationKey conversation = ConversationKey.from(request);
        boolean reset = Boolean.TRUE.equals(request.reset());
        long erasureMark = conversation == null ? 0 : conversations.erasureMark(conversation);
        return generate(channelOf(request), expected, requested, List.of(), PARAMETERS, "message",
                (model, params, deadline, onPiece) -> converse(model,
                        prompt(message, history(conversation, reset), model, params.maxLength()), params, deadline, onPiece),
                reply -> {
                    if (conversation != null) {
                        conversations.store(conversation, erasureMark, reset, message, reply);
                    }
                }, onText);
    }

    /**
     * Answers a conversation its caller keeps (the OpenAI-compatible API): its messages are the prompt
     * as they are, after the configured system prompt when they bring none of their own, and nothing is
     * stored. A prompt too long for the model is refused, not shortened: the caller chose every turn.
     *
     * @param parameters validated by the caller, which names its own fields
     * @param stop       stop strings: the reply ends before the first of them, which it does not include
     */
    public ChatResponse answer(List<ChatMessage> messages, ModelId expected, GenerationSettings parameters,
                               List<String> stop, Consumer<String> onText) {
        boolean ownSystemPrompt = messages.stream().anyMatch(m -> m.role().equals("system"));
        List<ChatMessage> prompt = new ArrayList<>(messages.size() + 1);
        if (!ownSystemPrompt && hasSystemPrompt()) {
            prompt.add(ChatMessage.system(settings.systemPrompt()));
        }
        prompt.addAll(messages);
        return generate(ChatMetrics.OPENAI, expected, parameters, stop, "", "messages", (model, params, deadline, onPiece) -> {
            // Without a chat template only the last message would reach the model: the others would be lost unsaid.
            if (!model.rendersConversations() && (messages.size() > 1 || !messages.get(0).role().equals("user"))) {
                throw ApiException.badRequest("messages", "must be one user message: the loaded model has no chat "
                        + "template, so it continues one text (got " + (messages.size() == 1 ? "1 message" : messages.size()
                        + " messages") + ", the last from " + messages.get(messages.size() - 1).role() + ")");
            }
            return converse(model, prompt, params, deadline, onPiece);
        }, reply -> { }, onText);
    }

    /**
     * Continues {@code text} as it is, no chat template and no system prompt (OpenAI's completions):
     * what a base model is made for. Nothing is stored.
     *
     * @param parameters validated by the caller, which names its own fields
     */
    public ChatResponse complete(String text, ModelId expected, GenerationSettings parameters, List<String> stop,
                                 Consumer<String> onText) {
        return generate(ChatMetrics.OPENAI, expected, parameters, stop, "", "prompt",
                (model, params, deadline, onPiece) -> model.complete(text, params, deadline, onPiece), reply -> { }, onText);
    }

    /** A conversation's reply, streamed when someone takes its pieces. */
    private static GenerationResult converse(LanguageModel model, List<ChatMessage> messages, GenerationParams params,
                                             Instant deadline, Consumer<String> onPiece) {
        return onPiece == null ? model.generate(messages, params, deadline) : model.generate(messages, params, deadline, onPiece);
    }

    /** One run of the loaded model: its prompt made and generated from, pieces to {@code onPiece} (may be null). */
    @FunctionalInterface
    private interface Generation {
        GenerationResult run(LanguageModel model, GenerationParams params, Instant deadline, Consumer<String> onPiece);
    }

    /**
     * Runs the loaded model ({@code generation}: its prompt made for it and generated from) under the
     * deadline, until a {@code stop} string too, then hands the reply to {@code keep}.
     *
     * @param prefix      what the fields of {@code requested} are called in the request, for errors
     * @param promptField the request's field a prompt too long or refused by the template is blamed on
     */
    private ChatResponse generate(String channel, ModelId expected, GenerationSettings requested, List<String> stop,
                                  String prefix, String promptField, Generation generation,
                                  Consumer<String> keep, Consumer<String> onText) {
        ChatResponse response = generate(expected, requested, stop, prefix, promptField, generation, keep, onText);
        metrics.answered(channel, response.modelId(), response.finishReason(), response.usage().promptTokens(),
                response.usage().completionTokens(), Duration.ofNanos((long) (response.processingTime() * 1e9)));
        return response;
    }

    private ChatResponse generate(ModelId expected, GenerationSettings requested, List<String> stop, String prefix,
                                  String promptField, Generation generation, Consumer<String> keep,
                                  Consumer<String> onText) {
        Instant start = clock.instant();
        return models.withModel(loaded -> {
            if (expected != null && !expected.equals(loaded.id())) {
                throw ApiException.conflict("model " + expected + " is not loaded (loaded: " + loaded.id() + ")");
            }
            GenerationSettings used = parameters.forChat(loaded.id(), requested, loaded.model().vocabularySize());
            ParameterService.decodingOf(used, prefix);
            Instant deadline = start.plus(settings.deadline());
            GenerationResult result;
            try {
                result = generation.run(loaded.model(), used.toGenerationParams().withStopStrings(stop), deadline, onText);
            } catch (UnsupportedParameterException e) {
                throw ApiException.badRequest(prefix + e.parameter(), e.getMessage());
            } catch (BrokenModelException e) {
                throw new ApiException(500, "model " + loaded.id() + " cannot answer: " + e.getMessage(), List.of(), null);
            } catch (PromptTooLongException e) {
                throw ApiException.badRequest(promptField, "is too long for model " + loaded.id() + ": " + e.getMessage());
            } catch (ChatTemplateException e) {
                if (e.raisedByTemplate()) {
                    throw ApiException.badRequest(promptField, "was refused by the chat template of model "
                            + loaded.id() + ": " + e.getMessage());
                }
                throw new ApiException(500, "the chat template of model " + loaded.id() + " cannot be rendered: "
                        + e.getMessage(), List.of(), null);
            }
            if (result.finishReason() == GenerationResult.FinishReason.DEADLINE) {
                throw new ApiException(504, "generation deadline of " + settings.deadline().toSeconds()
                        + " s passed", List.of(), null);
            }
            keep.accept(result.text());
            Instant end = clock.instant();
            return new ChatResponse(result.text(), loaded.id().toString(), used,
                    result.finishReason().name().toLowerCase(Locale.ROOT),
                    new ChatResponse.Usage(result.promptTokens(), result.completionTokens()),
                    Duration.between(start, end).toNanos() / 1e9, end);
        });
    }

    /** The gateway's own channels by name; every channel an API caller names counts as the API. */
    private static String channelOf(ChatRequest request) {
        return ChatRequest.TELEGRAM.equals(request.channel()) || ChatRequest.MAIL.equals(request.channel())
                ? request.channel() : ChatMetrics.API;
    }

    private boolean hasSystemPrompt() {
        return settings.systemPrompt() != null && !settings.systemPrompt().isBlank();
    }

    private String validMessage(String message) {
        if (message == null) {
            throw ApiException.badRequest("message", "is required");
        }
        if (message.isBlank()) {
            throw ApiException.badRequest("message", "must not be empty");
        }
        // Characters as people count them (an emoji is one), not UTF-16 units.
        if (message.codePointCount(0, message.length()) > settings.maxMessageChars()) {
            throw ApiException.badRequest("message", "is longer than " + settings.maxMessageChars() + " characters");
        }
        return message;
    }

    /** The conversation so far; none after a reset, which {@link Conversations#store} carries out once the chat is answered. */
    private List<ChatMessage> history(ConversationKey conversation, boolean reset) {
        if (conversation == null || reset) {
            return List.of();
        }
        return conversations.recent(conversation);
    }

    /**
     * System prompt (if configured), the conversation so far, the new message. The oldest exchanges
     * are dropped until the prompt leaves room for the reply: max_length, but at most a quarter of
     * the context, so a long reply budget does not erase every memory.
     */
    private List<ChatMessage> prompt(String message, List<ChatMessage> history, LanguageModel model, int maxNew) {
        int budget = model.contextLength() - Math.min(maxNew, model.contextLength() / 4);
        List<ChatMessage> turns = new ArrayList<>(history);
        while (true) {
            List<ChatMessage> messages = new ArrayList<>(turns.size() + 2);
            if (hasSystemPrompt()) {
                messages.add(ChatMessage.system(settings.systemPrompt()));
            }
            messages.addAll(turns);
            messages.add(ChatMessage.user(message));
            if (turns.isEmpty() || model.promptTokens(messages) <= budget) {
                return messages;
            }
            turns.remove(0); // the oldest question, then its answer
            if (!turns.isEmpty() && !turns.get(0).role().equals("user")) {
                turns.remove(0);
            }
        }
    }
}
