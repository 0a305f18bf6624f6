package com.cryptomaltese.gateway.engine.tokenizer;

/** Text to token ids and back: a Hugging Face tokenizer, or the vocabulary inside a GGUF file. */
public interface TokenCodec extends AutoCloseable {

    /** The ids of {@code text}; with {@code addSpecialTokens}, the BOS/EOS the tokenizer adds to plain text. */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}; with {@code skipSpecialTokens}, special tokens leave no text. */
    String decode(int[] ids, boolean skipSpecialTokens);

    @Override
    void close();
}
