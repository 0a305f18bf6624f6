package com.cryptomaltese.gateway.api;

import java.util.ArrayList;
import java.util.List;

import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiCompletionRequest;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiRequest;
import com.cryptomaltese.gateway.api.OpenAiViews.OpenAiSampling;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The OpenAI fields the gateway does not implement pass only with the value that asks for nothing
 * (what clients send by default: {@code n: 1}, {@code tools: []}, {@code response_format: {"type":
 * "text"}}), so a request that really asks for them is refused by name rather than answered as if
 * it had not. Fields that change nothing here ({@code store}, {@code metadata}, {@code service_tier},
 * {@code parallel_tool_calls}, {@code user}) pass with any value.
 */
final class OpenAiUnsupported {

    private OpenAiUnsupported() {
    }

    /** What both operations take alike. */
    static void refuse(OpenAiSampling request) {
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
        if (!empty(request.logitBias())) {
            problems.add(new FieldProblem("logit_bias", "is not supported (an empty object only)"));
        }
        if (request.maxTokens() != null && request.maxCompletionTokens() != null
                && !request.maxTokens().equals(request.maxCompletionTokens())) {
            problems.add(new FieldProblem("max_completion_tokens", "differs from max_tokens: send one of the two"));
        }
        throwIfAny(problems);
    }

    /** Chat Completions' own: log probabilities, tools, response formats. */
    static void refuseChat(OpenAiRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        if (Boolean.TRUE.equals(request.logprobs())) {
            problems.add(new FieldProblem("logprobs", "is not supported (false only)"));
        }
        if (request.topLogprobs() != null && request.topLogprobs() != 0) {
            problems.add(new FieldProblem("top_logprobs", "is not supported (0 only)"));
        }
        if (!empty(request.tools())) {
            problems.add(new FieldProblem("tools", "are not supported (an empty list only): the gateway calls no tools"));
        }
        JsonNode choice = request.toolChoice();
        if (choice != null && !choice.isNull() && !(choice.isTextual() && List.of("none", "auto").contains(choice.asText()))) {
            problems.add(new FieldProblem("tool_choice", "is not supported (none or auto only): the gateway calls no tools"));
        }
        JsonNode format = request.responseFormat();
        if (format != null && !format.isNull() && !(format.size() == 1 && "text".equals(format.path("type").asText(null)))) {
            problems.add(new FieldProblem("response_format", "is not supported ({\"type\": \"text\"} only)"));
        }
        throwIfAny(problems);
    }

    /** Text completions' own: candidates, echo, fill-in-the-middle, log probabilities. */
    static void refuseText(OpenAiCompletionRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        if (request.bestOf() != null && request.bestOf() != 1) {
            problems.add(new FieldProblem("best_of", "is not supported (1 only)"));
        }
        if (Boolean.TRUE.equals(request.echo())) {
            problems.add(new FieldProblem("echo", "is not supported (false only): the reply never repeats the prompt"));
        }
        if (request.suffix() != null && !request.suffix().isEmpty()) {
            problems.add(new FieldProblem("suffix", "is not supported: no fill-in-the-middle"));
        }
        if (request.logprobs() != null && request.logprobs() != 0) {
            problems.add(new FieldProblem("logprobs", "is not supported (0 only)"));
        }
        throwIfAny(problems);
    }

    private static void throwIfAny(List<FieldProblem> problems) {
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(problems);
        }
    }

    /** Absent, null, or an empty list or object. */
    private static boolean empty(JsonNode node) {
        return node == null || node.isNull() || ((node.isArray() || node.isObject()) && node.isEmpty());
    }
}
