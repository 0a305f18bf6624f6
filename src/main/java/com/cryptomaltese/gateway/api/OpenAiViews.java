package com.cryptomaltese.gateway.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The bodies of the OpenAI-compatible operations ({@code /api/v1/openai}), field for field as OpenAI's
 * Chat Completions API names them (snake_case, as the rest of the API). Fields OpenAI defines but the
 * gateway cannot honour are accepted only with the value that changes nothing, so a client's default
 * passes and a real request for them is refused by name.
 */
final class OpenAiViews {

    private OpenAiViews() {
    }

    @Schema(description = "An OpenAI Chat Completions request. Explicit nulls mean \"not given\", as in OpenAI's API")
    record CompletionRequest(
            @Schema(description = "The loaded model's id (org/name); left out, the loaded model answers",
                    example = "HuggingFaceTB/SmolLM2-135M-Instruct")
            String model,
            @Schema(description = "The conversation so far, oldest first; the gateway keeps none of it",
                    requiredMode = Schema.RequiredMode.REQUIRED)
            List<Message> messages,
            @Schema(description = "Send the reply as server-sent events (chat.completion.chunk objects, then [DONE])",
                    example = "false")
            Boolean stream,
            @Schema(description = "With stream: include_usage adds a last chunk with the token counts")
            StreamOptions streamOptions,
            @Schema(description = "Maximum number of new tokens, 1-2048 (the gateway's max_length)", example = "256")
            Integer maxTokens,
            @Schema(description = "The same as max_tokens, by its newer name; send one of the two", example = "256")
            Integer maxCompletionTokens,
            @Schema(description = "0-2; 0 decodes greedily, above 0 samples", example = "0.7")
            Double temperature,
            @Schema(description = "Nucleus sampling mass, 0-1; samples", example = "0.9")
            Double topP,
            @Schema(description = "Keep the k most likely tokens, 1-100 (as llama.cpp and vLLM accept it); samples",
                    example = "50")
            Integer topK,
            @Schema(description = "Penalty for repeated tokens, above 0 up to 2 (transformers' repetition_penalty, "
                    + "as llama.cpp and vLLM accept it)", example = "1.1")
            Double repetitionPenalty,
            @Schema(description = "Seed of the sampler, 0 to 2147483647", example = "42")
            Integer seed,
            @Schema(description = "Number of replies: 1 only", example = "1")
            Integer n,
            @Schema(description = "Up to 4 stop strings (a string or a list): the reply ends before the first place "
                    + "one of them appears, which it does not include; finish_reason is then stop. Not with beam search",
                    example = "[\"\\n\\n\"]")
            JsonNode stop,
            @Schema(description = "Not supported: 0 only (see repetition_penalty)", example = "0")
            Double presencePenalty,
            @Schema(description = "Not supported: 0 only (see repetition_penalty)", example = "0")
            Double frequencyPenalty,
            @Schema(description = "Not supported: false only", example = "false")
            Boolean logprobs,
            @Schema(description = "The end user's id, for the caller's own records; ignored", example = "user-1234")
            String user) {
    }

    @Schema(description = "One message of the conversation")
    record Message(
            @Schema(description = "system, developer (read as system), user or assistant",
                    requiredMode = Schema.RequiredMode.REQUIRED, example = "user")
            String role,
            @Schema(description = "The text, or a list of parts of type text ({\"type\": \"text\", \"text\": ...})",
                    requiredMode = Schema.RequiredMode.REQUIRED, example = "Write a haiku about Malta")
            JsonNode content,
            @Schema(description = "A name for the participant; ignored", example = "alice")
            String name) {
    }

    record StreamOptions(@Schema(description = "Add a last chunk with the usage", example = "true") Boolean includeUsage) {
    }

    @Schema(description = "An OpenAI chat.completion object")
    record Completion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {
    }

    record Choice(int index, AssistantMessage message,
                  @Schema(description = "stop (end of sequence) or length (max_tokens reached)") String finishReason) {
    }

    record AssistantMessage(String role, String content) {
    }

    record Usage(int promptTokens, int completionTokens, int totalTokens) {
    }

    /** A chat.completion.chunk of a streamed reply; {@code usage} only in the last one, when asked for. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Chunk(String id, String object, long created, String model, List<ChunkChoice> choices, Usage usage) {
    }

    /** {@code finish_reason} is null until the last chunk, and written so (null included), as OpenAI does. */
    record ChunkChoice(int index, Delta delta, String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {
    }

    /** What OpenAI's clients read of a failure that comes after the stream has begun. */
    record StreamError(ErrorDetail error) {
    }

    record ErrorDetail(String message, String type, String param, int code) {
    }

    @Schema(description = "The models that can answer: the loaded one, or none")
    record ModelList(String object, List<ModelEntry> data) {
    }

    record ModelEntry(String id, String object, long created, String ownedBy) {
    }
}
