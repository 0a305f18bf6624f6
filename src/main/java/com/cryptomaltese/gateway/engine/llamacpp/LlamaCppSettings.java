package com.cryptomaltese.gateway.engine.llamacpp;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code gateway.llamacpp.*}: how GGUF models are run.
 *
 * @param maxContext upper bound of the context a model is given: its {@code <arch>.context_length}
 *                   when smaller. The KV cache grows with it, so a 128k-token model does not
 *                   reserve gigabytes by default.
 * @param threads    decode threads; 0 means one per available core
 */
@ConfigurationProperties("gateway.llamacpp")
record LlamaCppSettings(@DefaultValue("4096") int maxContext, @DefaultValue("0") int threads) {

    LlamaCppSettings {
        if (maxContext < 16) {
            throw new IllegalArgumentException("gateway.llamacpp.max-context must be at least 16, got " + maxContext);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("gateway.llamacpp.threads must be 0 (all cores) or more, got " + threads);
        }
    }

    int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
