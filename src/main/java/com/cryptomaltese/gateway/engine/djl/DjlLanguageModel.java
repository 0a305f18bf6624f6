package com.cryptomaltese.gateway.engine.djl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.Generator;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.TokenSelector;
import com.cryptomaltese.gateway.engine.arch.DecoderModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A safetensors model loaded on DJL with its tokenizer: messages in, text out. Generations run
 * one at a time: the model has one set of weights and each sequence its own KV cache, and on a
 * CPU two interleaved sequences would only halve each other's speed.
 */
final class DjlLanguageModel implements LanguageModel {

    private final DecoderModel model;
    private final NDManager manager;
    private final HuggingFaceTokenizer tokenizer;
    private final Set<Integer> eosIds;
    private final Generator generator;

    private DjlLanguageModel(DecoderModel model, NDManager manager, HuggingFaceTokenizer tokenizer, Set<Integer> eosIds) {
        this.model = model;
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds;
        this.generator = new Generator(model, manager, Clock.systemUTC());
    }

    static DjlLanguageModel create(Path dir, DecoderModel model, NDManager manager) throws IOException {
        // Truncation and padding off: DJL's defaults would cut prompts at 512 tokens and pad them.
        HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of(
                "truncation", "false", "padding", "false", "addSpecialTokens", "true",
                "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
        return new DjlLanguageModel(model, manager, tokenizer, eosIds(dir));
    }

    /** {@code eos_token_id} of generation_config.json, else config.json; a number or a list. */
    private static Set<Integer> eosIds(Path dir) throws IOException {
        Set<Integer> ids = new LinkedHashSet<>();
        for (String file : List.of("generation_config.json", "config.json")) {
            Path path = dir.resolve(file);
            if (ids.isEmpty() && Files.isRegularFile(path)) {
                JsonNode eos = new ObjectMapper().readTree(path.toFile()).path("eos_token_id");
                if (eos.isInt()) {
                    ids.add(eos.asInt());
                }
                eos.forEach(id -> ids.add(id.asInt()));
            }
        }
        return ids;
    }

    @Override
    public synchronized GenerationResult generate(List<ChatMessage> messages, GenerationParams params,
                                                  Instant deadline) {
        String prompt = messages.get(messages.size() - 1).content();
        long[] encoded = tokenizer.encode(prompt).getIds();
        int[] ids = new int[encoded.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) encoded[i];
        }
        Generator.Output out = generator.generate(ids, params.maxLength(), eosIds, TokenSelector.greedy(), deadline,
                token -> { });
        long[] generated = new long[out.tokens().length];
        for (int i = 0; i < generated.length; i++) {
            generated[i] = out.tokens()[i];
        }
        String text = tokenizer.decode(generated, true);
        return new GenerationResult(text, out.finishReason(), ids.length, out.tokens().length);
    }

    @Override
    public long memoryBytes() {
        return model.weightBytes();
    }

    @Override
    public synchronized void close() {
        tokenizer.close();
        model.close();
        manager.close();
    }
}
