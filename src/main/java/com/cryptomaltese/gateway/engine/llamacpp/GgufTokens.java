package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.cryptomaltese.gateway.engine.tokenizer.TokenCodec;
import com.sun.jna.Pointer;

/**
 * llama.cpp's tokenizer for the vocabulary inside a GGUF file, with transformers' conventions: text
 * is tokenized with special-token text (e.g. {@code <|im_end|>} from a template) parsed as those
 * tokens, and BOS/EOS added only when asked and when the header says the tokenizer adds them, as
 * transformers tokenizes a rendered chat template. Decoding joins the tokens' bytes before reading
 * them as UTF-8, so a character split over two tokens comes out whole.
 */
final class GgufTokens implements TokenCodec {

    private final LlamaCpp.Api api;
    private final LlamaCppDecoder model;
    private final GgufVocabulary vocabulary;

    /** @param model whose vocabulary is used: only while it is open, never concurrently with its close */
    GgufTokens(LlamaCpp.Api api, LlamaCppDecoder model, GgufVocabulary vocabulary) {
        this.api = api;
        this.model = model;
        this.vocabulary = vocabulary;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        synchronized (model) {
            return encode(model.vocab(), text, addSpecialTokens);
        }
    }

    private int[] encode(Pointer vocab, String text, boolean addSpecialTokens) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length + 2];
        int n = api.llama_tokenize(vocab, utf8, utf8.length, ids, ids.length, false, true);
        if (n < 0) {
            ids = new int[-n];
            n = api.llama_tokenize(vocab, utf8, utf8.length, ids, ids.length, false, true);
        }
        ids = Arrays.copyOf(ids, n);
        if (!addSpecialTokens) {
            return ids;
        }
        int start = vocabulary.addBos() ? 1 : 0;
        int[] withSpecials = new int[start + ids.length + (vocabulary.addEos() ? 1 : 0)];
        if (start == 1) {
            withSpecials[0] = vocabulary.bosId();
        }
        System.arraycopy(ids, 0, withSpecials, start, ids.length);
        if (vocabulary.addEos()) {
            withSpecials[withSpecials.length - 1] = vocabulary.eosId();
        }
        return withSpecials;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        synchronized (model) {
            return decode(model.vocab(), ids, skipSpecialTokens);
        }
    }

    private String decode(Pointer vocab, int[] ids, boolean skipSpecialTokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] piece = new byte[64];
        for (int id : ids) {
            int n = api.llama_token_to_piece(vocab, id, piece, piece.length, 0, !skipSpecialTokens);
            if (n < 0) {
                piece = new byte[-n];
                n = api.llama_token_to_piece(vocab, id, piece, piece.length, 0, !skipSpecialTokens);
            }
            bytes.write(piece, 0, Math.max(0, n));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        // the vocabulary belongs to the model, which the decoder frees
    }
}
