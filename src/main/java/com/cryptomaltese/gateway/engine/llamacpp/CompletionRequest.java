package com.cryptomaltese.gateway.engine.llamacpp;

import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import com.cryptomaltese.gateway.engine.sampling.Decoding;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The llama.cpp completion request for one generation, with Hugging Face {@code generate()}
 * meanings: repetition penalty over the whole sequence (prompt included), then temperature, top-k
 * and top-p in transformers' order, then a draw; greedy is temperature 0 (llama.cpp then keeps the
 * first highest logit, as argmax does). llama.cpp's own extras (min-p, typical-p, XTC, DRY,
 * presence and frequency penalties, Mirostat) are switched off, since transformers has none of them.
 */
final class CompletionRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CompletionRequest() {
    }

    /** Refuses what llama.cpp cannot do, naming the parameter. */
    static void check(GenerationParams params) {
        if (params.numBeams() > 1) {
            throw new UnsupportedParameterException("num_beams", "is " + params.numBeams()
                    + ", but GGUF models run on llama.cpp, which has no beam search; use num_beams 1");
        }
        if (params.lengthPenalty() != 1.0) {
            throw new UnsupportedParameterException("length_penalty", "is " + params.lengthPenalty()
                    + ", but it only steers beam search, which llama.cpp (GGUF models) does not have; use 1.0");
        }
        if (params.earlyStopping()) {
            throw new UnsupportedParameterException("early_stopping", "is true, but it only steers beam search, "
                    + "which llama.cpp (GGUF models) does not have; use false");
        }
        // llama.cpp stops at the model's own end tokens only: another id cannot be made to end a
        // reply. pad_token_id needs no refusal: one sequence is never padded.
        if (params.eosTokenIds() != null) {
            throw new UnsupportedParameterException("eos_token_id", "is " + params.eosTokenIds()
                    + ", but GGUF models run on llama.cpp, which stops at the model's own end tokens only; "
                    + "leave it out");
        }
    }

    static String json(int[] prompt, int maxNewTokens, GenerationParams params) {
        boolean sample = Decoding.of(params) == Decoding.SAMPLE;
        ObjectNode request = JSON.createObjectNode();
        ArrayNode ids = request.putArray("prompt");
        for (int id : prompt) {
            ids.add(id);
        }
        request.put("n_predict", maxNewTokens);
        request.put("stream", true);
        // Every request evaluates its whole prompt: a KV prefix reused from the previous request
        // would change the batch shapes, and with them the last bits of the logits, so the same
        // request could answer differently.
        request.put("cache_prompt", false);
        request.put("repeat_penalty", params.repetitionPenalty());
        request.put("repeat_last_n", -1); // the whole context, as transformers penalises every earlier token
        request.put("frequency_penalty", 0.0);
        request.put("presence_penalty", 0.0);
        request.put("dry_multiplier", 0.0);
        request.put("xtc_probability", 0.0);
        request.put("mirostat", 0);
        request.put("min_p", 0.0);
        request.put("typical_p", 1.0);
        request.put("n_probs", 0);
        if (sample) {
            request.put("temperature", params.temperature());
            request.put("top_k", params.topK());
            request.put("top_p", params.topP());
            request.putArray("samplers").add("penalties").add("temperature").add("top_k").add("top_p");
        } else {
            request.put("temperature", 0.0);
            request.putArray("samplers").add("penalties").add("temperature");
        }
        if (params.seed() != null) {
            // llama.cpp seeds are unsigned 32-bit, and 0xFFFFFFFF means "pick one at random".
            request.put("seed", Math.floorMod(params.seed(), 0xFFFF_FFFFL));
        }
        return request.toString();
    }
}
