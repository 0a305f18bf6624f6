package com.cryptomaltese.gateway.engine.llamacpp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import com.cryptomaltese.gateway.engine.gguf.GgufHeader;
import com.cryptomaltese.gateway.engine.tokenizer.TokenizerSettings;

/**
 * What a GGUF header says about its tokenizer: the special tokens a chat template may print, the
 * template itself, and whether plain text gets a BOS (EOS) token.
 *
 * @param bosId    {@code tokenizer.ggml.bos_token_id}, -1 when absent
 * @param eosId    {@code tokenizer.ggml.eos_token_id}, -1 when absent
 * @param addBos   {@code tokenizer.ggml.add_bos_token}; without it llama.cpp's default: true for
 *                 SentencePiece vocabularies ({@code tokenizer.ggml.model = llama}), false otherwise
 * @param addEos   {@code tokenizer.ggml.add_eos_token}, false when absent
 */
record GgufVocabulary(TokenizerSettings settings, int bosId, int eosId, boolean addBos, boolean addEos) {

    private static final String PREFIX = "tokenizer.ggml.";
    /** GGUF key stem ({@code tokenizer.ggml.<stem>_token_id}) to the name chat templates know. */
    private static final Map<String, String> SPECIAL_KEYS = Map.of("bos", "bos_token", "eos", "eos_token",
            "unknown", "unk_token", "separator", "sep_token", "padding", "pad_token", "cls", "cls_token",
            "mask", "mask_token");

    static GgufVocabulary of(GgufHeader header) {
        List<?> tokens = header.metadata().get(PREFIX + "tokens") instanceof List<?> l ? l : List.of();
        Map<String, String> special = new LinkedHashMap<>();
        SPECIAL_KEYS.forEach((key, name) -> {
            int id = id(header, key);
            if (id >= 0 && id < tokens.size() && tokens.get(id) instanceof String s) {
                special.put(name, s);
            }
        });
        int bos = id(header, "bos");
        int eos = id(header, "eos");
        List<Integer> eosIds = new ArrayList<>();
        if (eos >= 0) {
            eosIds.add(eos);
        }
        boolean spm = "llama".equals(header.metadata().get(PREFIX + "model"));
        boolean addBos = header.metadata().get(PREFIX + "add_bos_token") instanceof Boolean b ? b : spm;
        boolean addEos = header.metadata().get(PREFIX + "add_eos_token") instanceof Boolean b && b;
        TokenizerSettings settings = new TokenizerSettings(special, header.chatTemplate(), eosIds,
                bos >= 0 ? Optional.of(bos) : Optional.empty(),
                id(header, "padding") >= 0 ? Optional.of(id(header, "padding")) : Optional.empty());
        return new GgufVocabulary(settings, bos, eos, addBos && bos >= 0, addEos && eos >= 0);
    }

    /**
     * A special token's id; -1 when absent or outside the vocabulary (llama.cpp warns about such an
     * id and keeps its default for the vocabulary type; here the token is not used: a BOS outside the
     * vocabulary is not added).
     */
    private static int id(GgufHeader header, String name) {
        OptionalLong id = header.integer(PREFIX + name + "_token_id");
        int size = header.metadata().get(PREFIX + "tokens") instanceof List<?> tokens ? tokens.size() : 0;
        return id.isPresent() && id.getAsLong() >= 0 && id.getAsLong() < size ? (int) id.getAsLong() : -1;
    }
}
