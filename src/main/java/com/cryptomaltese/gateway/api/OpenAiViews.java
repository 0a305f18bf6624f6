package com.cryptomaltese.gateway.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The bodies of the OpenAI-compatible operations ({@code /api/v1/openai}), field for field as OpenAI's
 * Chat Completions API names them. Fields OpenAI defines but the gateway cannot honour are accepted
 * only with the value that asks for nothing, so a client's default passes and a real request for them
 * is refused by name. Each name starts with OpenAi: the OpenAPI document names schemas by simple class
 * name, and a second {@code ModelList} or {@code Usage} broke its references.
 */
final class OpenAiViews {

    private OpenAiViews() {
    }

    /** What both OpenAI operations take alike: the model, streaming, and the sampling fields. */
    interface OpenAiSampling {
        String model();

        Boolean stream();

        OpenAiStreamOptions streamOptions();

        Integer maxTokens();

        /** Chat Completions' newer name for max_tokens; text completions have none. */
        default Integer maxCompletionTokens() {
            return null;
        }

        Double temperature();

        Double topP();

        Integer topK();

        Double repetitionPenalty();

        Long seed();

        JsonNode stop();

        Integer n();

        Double presencePenalty();

        Double frequencyPenalty();

        JsonNode logitBias();
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "An OpenAI Chat Completions request. Explicit nulls mean \"not given\", as in OpenAI's API")
    record OpenAiRequest(
            @Schema(description = "The loaded model's id (org/name); left out, the loaded model answers",
                    example = "HuggingFaceTB/SmolLM2-135M-Instruct")
            String model,
            @Schema(description = "The conversation so far, oldest first; the gateway keeps none of it",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            List<OpenAiMessage> messages,
            @Schema(description = "Send the reply as server-sent events (chat.completion.chunk objects, then [DONE])",
                    example = "false")
            Boolean stream,
            @Schema(description = "With stream: include_usage adds a last chunk with the token counts")
            OpenAiStreamOptions streamOptions,
            @Schema(description = "Maximum number of new tokens, 1 or more; above the gateway's 2048 it is 2048 "
                    + "(the gateway's max_length)", example = "256")
            Integer maxTokens,
            @Schema(description = "The same as max_tokens, by its newer name; send one of the two", example = "256")
            Integer maxCompletionTokens,
            @Schema(description = "0-2; above 0 samples, 0 does not (greedy, or beam search if the model's stored "
                    + "num_beams is above 1)", example = "0.7")
            Double temperature,
            @Schema(description = "Nucleus sampling mass, 0-1; samples", example = "0.9")
            Double topP,
            @Schema(description = "Keep the k most likely tokens, 1-100 (as llama.cpp and vLLM accept it); samples",
                    example = "50")
            Integer topK,
            @Schema(description = "Penalty for repeated tokens, above 0 up to 2 (transformers' repetition_penalty, "
                    + "as llama.cpp and vLLM accept it)", example = "1.1")
            Double repetitionPenalty,
            @Schema(description = "Seed of the sampler: the same seed, parameters and messages give the same reply; "
                    + "a negative one is none (as llama.cpp's -1)", example = "42")
            Long seed,
            @Schema(description = "Up to 4 stop strings: the reply ends before the first place one of them appears, "
                    + "which it does not include; finish_reason is then stop. Not with beam search",
                    oneOf = {String.class, String[].class}, example = "[\"\\n\\n\"]")
            JsonNode stop,
            @Schema(description = "Number of replies: 1 only", example = "1")
            Integer n,
            @Schema(description = "Not supported: 0 only (see repetition_penalty)", example = "0")
            Double presencePenalty,
            @Schema(description = "Not supported: 0 only (see repetition_penalty)", example = "0")
            Double frequencyPenalty,
            @Schema(description = "Not supported: false only", example = "false")
            Boolean logprobs,
            @Schema(description = "Not supported: 0 only", example = "0")
            Integer topLogprobs,
            @Schema(description = "Not supported: empty only")
            JsonNode logitBias,
            @Schema(description = "Tools are not supported: an empty list only")
            JsonNode tools,
            @Schema(description = "Tools are not supported: none or auto only", example = "none")
            JsonNode toolChoice,
            @Schema(description = "Tools are not supported; ignored", example = "false")
            Boolean parallelToolCalls,
            @Schema(description = "Text only: {\"type\": \"text\"}")
            JsonNode responseFormat,
            @Schema(description = "OpenAI's storage of completions; the gateway stores none, ignored", example = "false")
            Boolean store,
            @Schema(description = "Tags for stored completions; ignored")
            JsonNode metadata,
            @Schema(description = "OpenAI's processing tier; ignored", example = "auto")
            String serviceTier,
            @Schema(description = "The end user's id, for the caller's own records; ignored", example = "user-1234")
            String user) implements OpenAiSampling {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "An OpenAI (legacy) text completion request: the prompt is continued as it is, without "
            + "a chat template. Explicit nulls mean \"not given\"")
    record OpenAiCompletionRequest(
            @Schema(description = "The loaded model's id (org/name); left out, the loaded model answers",
                    example = "karpathy/stories260K")
            String model,
            @Schema(description = "The text to continue: a string, or a list of one string",
                    requiredMode = Schema.RequiredMode.REQUIRED, oneOf = {String.class, String[].class},
                    example = "Once upon a time")
            JsonNode prompt,
            @Schema(description = "Send the reply as server-sent events (text_completion chunks, then [DONE])",
                    example = "false")
            Boolean stream,
            @Schema(description = "With stream: include_usage adds a last chunk with the token counts")
            OpenAiStreamOptions streamOptions,
            @Schema(description = "Maximum number of new tokens, 1 or more; above the gateway's 2048 it is 2048; left "
                    + "out, the model's stored max_length", example = "64")
            Integer maxTokens,
            @Schema(description = "0-2; above 0 samples, 0 does not", example = "0.7")
            Double temperature,
            @Schema(description = "Nucleus sampling mass, 0-1; samples", example = "0.9")
            Double topP,
            @Schema(description = "Keep the k most likely tokens, 1-100; samples", example = "50")
            Integer topK,
            @Schema(description = "Penalty for repeated tokens, above 0 up to 2", example = "1.1")
            Double repetitionPenalty,
            @Schema(description = "Seed of the sampler; a negative one is none", example = "42")
            Long seed,
            @Schema(description = "Up to 4 stop strings: the reply ends before the first of them",
                    oneOf = {String.class, String[].class}, example = "[\"\\n\"]")
            JsonNode stop,
            @Schema(description = "Number of replies: 1 only", example = "1")
            Integer n,
            @Schema(description = "Not supported: 1 only", example = "1")
            Integer bestOf,
            @Schema(description = "Not supported: false only (the reply does not repeat the prompt)", example = "false")
            Boolean echo,
            @Schema(description = "Not supported (no fill-in-the-middle): left out only")
            String suffix,
            @Schema(description = "Not supported: 0 only", example = "0")
            Integer logprobs,
            @Schema(description = "Not supported: 0 only", example = "0")
            Double presencePenalty,
            @Schema(description = "Not supported: 0 only", example = "0")
            Double frequencyPenalty,
            @Schema(description = "Not supported: empty only")
            JsonNode logitBias,
            @Schema(description = "The end user's id; ignored", example = "user-1234")
            String user) implements OpenAiSampling {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "One message of the conversation. What OpenAI's replies carry besides role and content "
            + "(refusal, tool_calls, …) may be sent back as null")
    record OpenAiMessage(
            @Schema(description = "system, developer (read as system), user or assistant",
                    requiredMode = Schema.RequiredMode.REQUIRED, example = "user")
            String role,
            @Schema(description = "The text, or a list of text parts, joined with line breaks",
                    requiredMode = Schema.RequiredMode.REQUIRED, oneOf = {String.class, OpenAiTextPart[].class},
                    example = "Write a haiku about Malta")
            JsonNode content,
            @Schema(description = "A name for the participant; ignored", example = "alice")
            String name) {
    }

    /** Documents the shape a list of parts takes ({@link OpenAiMessages} reads it from the tree). */
    @Schema(description = "A part of a message's content: text only")
    record OpenAiTextPart(@Schema(example = "text") String type, @Schema(example = "Hello") String text) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiStreamOptions(
            @Schema(description = "Add a last chunk with the usage", example = "true") Boolean includeUsage,
            @Schema(description = "OpenAI's padding of chunks; the gateway adds none, ignored", example = "false")
            Boolean includeObfuscation) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "An OpenAI chat.completion object")
    record OpenAiCompletion(String id, String object, long created, String model, List<OpenAiChoice> choices,
                            OpenAiUsage usage) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiChoice(int index, OpenAiAssistantMessage message,
                        @Schema(description = "stop (end of sequence or a stop string) or length (max_tokens or the "
                                + "model's context reached)") String finishReason) {
    }

    record OpenAiAssistantMessage(String role, String content) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiUsage(int promptTokens, int completionTokens, int totalTokens) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @Schema(description = "An OpenAI text_completion object")
    record OpenAiTextCompletion(String id, String object, long created, String model, List<OpenAiTextChoice> choices,
                                OpenAiUsage usage) {
    }

    /** {@code logprobs} is always null (not supported), and written so, as OpenAI does when none were asked for. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiTextChoice(String text, int index, JsonNode logprobs,
                            @Schema(description = "stop (end of sequence or a stop string) or length") String finishReason) {
    }

    /**
     * A chunk of a streamed reply: a chat.completion.chunk ({@link OpenAiChunkChoice}s) or a
     * text_completion ({@link OpenAiTextChoice}s); {@code usage} only in the last one, when asked for.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OpenAiChunk(String id, String object, long created, String model, List<Object> choices, OpenAiUsage usage) {
    }

    /** {@code finish_reason} is null until the last chunk, and written so (null included), as OpenAI does. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiChunkChoice(int index, OpenAiDelta delta, String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OpenAiDelta(String role, String content) {
    }

    /**
     * What OpenAI's clients read of a failure: in a stream, after its first piece, the whole event;
     * in an error response, beside the gateway's own fields.
     */
    record OpenAiStreamError(OpenAiError error) {
    }

    record OpenAiError(String message, String type, String param, int code) {
    }

    /** The gateway's error shape with OpenAI's {@code error} beside it, for this channel's error responses. */
    record OpenAiErrorBody(String status, String message, List<FieldProblem> details, OpenAiError error) {

        static OpenAiErrorBody of(ErrorBody body, ApiException failure) {
            return new OpenAiErrorBody(body.status(), body.message(), body.details(), OpenAiChat.error(failure));
        }
    }

    @Schema(description = "The models that can answer: the loaded one, or none")
    record OpenAiModelList(String object, List<OpenAiModel> data) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record OpenAiModel(String id, String object, long created, String ownedBy) {
    }
}
