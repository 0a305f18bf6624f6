package com.cryptomaltese.gateway.engine.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text pieces as they arrive, so that the concatenated pieces equal
 * {@code decode(all ids)}.
 *
 * <p>Decoding token by token is wrong in two ways: SentencePiece-style decoders drop the leading space of
 * the first token in a call, and byte-fallback / byte-level tokens may hold only part of a UTF-8
 * character. So each step decodes a small window that starts one emitted token back (the space is then
 * in the shared prefix), and holds text back while it ends in U+FFFD (an incomplete character) — the
 * method of Hugging Face text-generation-inference. Not thread-safe: one instance per sequence.
 */
public final class IncrementalDetokenizer {

    private final TokenCodec tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[16];
    private int size;
    /** Start of the decode window: the token before the first one not yet emitted. */
    private int prefixOffset;
    /** End of what has been emitted. */
    private int readOffset;

    public IncrementalDetokenizer(TokenCodec tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Pieces of a text that continues {@code context} (the last token before it): the first piece
     * keeps what joins it to that token, e.g. the space a SentencePiece decoder drops from the first
     * token of a call, as decoding the whole text and cutting off the context would.
     */
    public IncrementalDetokenizer(TokenCodec tokenizer, boolean skipSpecialTokens, int context) {
        this(tokenizer, skipSpecialTokens);
        ids[size++] = context;
        readOffset = size;
    }

    /** Adds one token and returns the text that became final, possibly empty. */
    public String next(int tokenId) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = tokenId;
        String prefix = decode(prefixOffset, readOffset);
        String text = decode(prefixOffset, size);
        if (text.length() > prefix.length() && !text.endsWith("\uFFFD")) {
            prefixOffset = readOffset;
            readOffset = size;
            return text.substring(prefix.length());
        }
        return "";
    }

    /** Returns whatever is still held back (e.g. an incomplete character at the end of generation). */
    public String flush() {
        String prefix = decode(prefixOffset, readOffset);
        String text = decode(prefixOffset, size);
        prefixOffset = readOffset = size;
        return text.length() > prefix.length() ? text.substring(prefix.length()) : "";
    }

    private String decode(int from, int to) {
        return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }
}
