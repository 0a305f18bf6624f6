package com.cryptomaltese.gateway.engine.tokenizer;

/**
 * Text to tokenize and how: a rendered chat template already holds the special tokens it wants (transformers
 * tokenizes it with {@code add_special_tokens=False}); plain text gets the tokenizer's own (e.g. BOS).
 */
public record Prompt(String text, boolean addSpecialTokens) {
}
