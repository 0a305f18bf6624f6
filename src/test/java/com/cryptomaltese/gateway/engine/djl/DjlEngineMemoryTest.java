package com.cryptomaltese.gateway.engine.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.LanguageModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closing a model gives its weights' memory back at once, not at some later garbage collection:
 * the JVM's own count of direct-buffer memory drops by the weights' bytes when the model closes.
 * Also for BF16 weights, whose conversion to F32 goes through a read buffer of its own.
 */
class DjlEngineMemoryTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures/models").toAbsolutePath();
    /** Held after a load beyond the weights themselves: the tokenizer's and the engine's own small buffers. */
    static final long SLACK = 2L << 20;

    static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }

    /** Collects garbage and waits (bounded) until the cleaners have freed what it found. */
    static void settleDirectMemory() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 50 && directBytes() != last; i++) {
            last = directBytes();
            System.gc();
            Thread.sleep(20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama-bf16"})
    void closingAModelFreesItsWeightsAtOnceAndTheNextLoadStillAnswers(String fixture) throws Exception {
        DjlEngine engine = new DjlEngine();
        GenerationParams greedy = new GenerationParams(1.0, 50, 1.0, 4, 1.0, false, 1, 1.0, false, null);
        String first = null;
        for (int round = 0; round < 3; round++) {
            // Direct buffers others left behind go first, so none is collected while this round measures.
            settleDirectMemory();
            long before = directBytes();
            LanguageModel model = engine.load(FIXTURES.resolve(fixture));
            long weights = model.memoryBytes();
            // Read buffers (BF16 goes through one per tensor) are freed as the load goes, not left for a GC.
            assertThat(directBytes() - before).as("round %d: held after the load", round).isLessThanOrEqualTo(weights + SLACK);
            String text = model.generate(List.of(ChatMessage.user("Hello")), greedy, Instant.now().plusSeconds(30)).text();
            long open = directBytes();
            model.close();
            long closed = directBytes();

            assertThat(open - closed).as("round %d: freed at close", round).isGreaterThanOrEqualTo(weights);
            // Nothing reads freed memory: a closed model refuses to generate.
            assertThatThrownBy(() -> model.generate(List.of(ChatMessage.user("Hello")), greedy, Instant.now().plusSeconds(30)))
                    .isInstanceOf(IllegalStateException.class);
            // Freed memory is not read again: every round answers the same.
            first = first == null ? text : first;
            assertThat(text).isEqualTo(first);
        }
    }
}
