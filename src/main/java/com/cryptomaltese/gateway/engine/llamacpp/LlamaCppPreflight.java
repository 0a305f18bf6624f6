package com.cryptomaltese.gateway.engine.llamacpp;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import com.cryptomaltese.gateway.engine.gguf.GgufArray;
import com.cryptomaltese.gateway.engine.gguf.GgufHeader;

/**
 * What llama.cpp (b4916) asserts on instead of refusing: a header value it meets with GGML_ASSERT,
 * a C++ exception or an unchecked read aborts the whole process, so such a file is refused here,
 * in Java, with the key named. Values llama.cpp itself refuses (returning no model) are left to it.
 */
final class LlamaCppPreflight {

    /** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS. */
    static final long MAX_LAYERS = 512;
    static final long MAX_EXPERTS = 256;
    static final Set<String> ROPE_SCALING = Set.of("none", "linear", "yarn", "longrope");

    private static final String VOCAB = "tokenizer.ggml.";

    private LlamaCppPreflight() {
    }

    /** Why llama.cpp would abort on this header, or empty when it is safe to hand over. */
    static Optional<String> problem(GgufHeader header) {
        String arch = header.architecture().orElse("");
        Map<String, Object> meta = header.metadata();
        OptionalLong blocks = header.integer(arch + ".block_count");
        if (blocks.isPresent() && (blocks.getAsLong() < 1 || blocks.getAsLong() > MAX_LAYERS)) {
            return Optional.of(arch + ".block_count is " + blocks.getAsLong() + "; llama.cpp runs 1 to " + MAX_LAYERS
                    + " layers");
        }
        long experts = header.integer(arch + ".expert_count").orElse(0);
        long used = header.integer(arch + ".expert_used_count").orElse(0);
        if (experts > MAX_EXPERTS) {
            return Optional.of(arch + ".expert_count is " + experts + "; llama.cpp runs at most " + MAX_EXPERTS);
        }
        if (used > experts || (experts > 0 && used == 0)) {
            return Optional.of(arch + ".expert_used_count is " + used + " with " + arch + ".expert_count " + experts
                    + "; it must be from 1 to the expert count, or 0 without experts");
        }
        Object rope = meta.get(arch + ".rope.scaling.type");
        if (rope != null && !(rope instanceof String s && ROPE_SCALING.contains(s))) {
            return Optional.of(arch + ".rope.scaling.type is '" + rope + "'; llama.cpp knows "
                    + String.join(", ", ROPE_SCALING.stream().sorted().toList()));
        }
        return vocabularyProblem(meta);
    }

    private static Optional<String> vocabularyProblem(Map<String, Object> meta) {
        Object model = meta.get(VOCAB + "model");
        Object tokens = meta.get(VOCAB + "tokens");
        if ("none".equals(model) || tokens == null) {
            return Optional.empty(); // no vocabulary, or none to check: llama.cpp refuses that itself
        }
        if (!(tokens instanceof GgufArray list) || list.elementType() != GgufArray.Type.STRING || list.isEmpty()) {
            return Optional.of(VOCAB + "tokens is not a non-empty array of strings");
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < list.size(); id++) {
            String text = (String) list.get(id);
            // llama.cpp names an empty token itself before it indexes the vocabulary
            Integer earlier = ids.putIfAbsent(text.isEmpty() ? "[EMPTY_" + id + "]" : text, id);
            if (earlier != null) {
                return Optional.of(VOCAB + "tokens holds '" + text + "' twice (ids " + earlier + " and " + id + ")");
            }
        }
        for (var typed : List.of(Map.entry("scores", GgufArray.Type.FLOAT32), Map.entry("token_type", GgufArray.Type.INT32))) {
            Object array = meta.get(VOCAB + typed.getKey());
            // llama.cpp reads one value per token from the array's memory, unchecked
            if (array != null && !(array instanceof GgufArray a && a.elementType() == typed.getValue()
                    && a.size() >= list.size())) {
                return Optional.of(VOCAB + typed.getKey() + " is not an array of " + typed.getValue().name()
                        .toLowerCase(Locale.ROOT) + " values with one per token (" + list.size() + ")");
            }
        }
        Object merges = meta.get(VOCAB + "merges");
        if (merges != null && !(merges instanceof GgufArray m && (m.isEmpty() || m.elementType() == GgufArray.Type.STRING))) {
            return Optional.of(VOCAB + "merges is not an array of strings");
        }
        Object charsmap = meta.get(VOCAB + "precompiled_charsmap");
        if (charsmap != null && !(charsmap instanceof GgufArray c
                && (c.elementType() == GgufArray.Type.UINT8 || c.elementType() == GgufArray.Type.INT8))) {
            return Optional.of(VOCAB + "precompiled_charsmap is not an array of bytes");
        }
        if ("llama".equals(model)) {
            // SentencePiece (llama.cpp's SPM, not T5's unigram) spells text outside the vocabulary
            // byte by byte and looks each byte's token up unchecked (a missing one throws through the C API).
            for (int b = 0; b < 256; b++) {
                String hex = String.format(Locale.ROOT, "<0x%02X>", b);
                if (!ids.containsKey(hex) && !(b < 0x80 && ids.containsKey(String.valueOf((char) b)))) {
                    return Optional.of("its SentencePiece vocabulary has no token for byte " + hex
                            + ", which llama.cpp needs for text outside the vocabulary");
                }
            }
        }
        return Optional.empty();
    }
}
