package com.cryptomaltese.gateway.engine.djl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

import com.cryptomaltese.gateway.engine.ChatMessage;
import com.cryptomaltese.gateway.engine.ForwardingLanguageModel;
import com.cryptomaltese.gateway.engine.GenerationParams;
import com.cryptomaltese.gateway.engine.GenerationResult;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;

/**
 * The real DJL engine, with a check, a load, a generation or a model's close held half-way on latches
 * the test sets, so "while it loads", "while it generates" or "while it unloads" needs no timing guesses.
 * Latches start open.
 */
public final class HeldDjlEngine implements InferenceEngine {

    private final DjlEngine engine = new DjlEngine();
    private final Predicate<Path> supports;
    public final AtomicInteger loads = new AtomicInteger();
    public final AtomicInteger closed = new AtomicInteger();
    public volatile CountDownLatch checkEntered = new CountDownLatch(0);
    public volatile CountDownLatch checkProceed = new CountDownLatch(0);
    public volatile CountDownLatch loadEntered = new CountDownLatch(0);
    public volatile CountDownLatch loadProceed = new CountDownLatch(0);
    public volatile CountDownLatch generateEntered = new CountDownLatch(0);
    public volatile CountDownLatch generateProceed = new CountDownLatch(0);
    /** A streamed generation has handed on its first piece of text, and waits for {@link #afterFirstPiece}. */
    public volatile CountDownLatch firstPieceSent = new CountDownLatch(0);
    public volatile CountDownLatch afterFirstPiece = new CountDownLatch(0);
    /** How each streamed generation ended: its finish reason, or the simple name of what it threw. */
    public final BlockingQueue<String> streamEnds = new LinkedBlockingQueue<>();
    /** Pieces of text the last streamed generation handed on. */
    public final AtomicInteger streamedPieces = new AtomicInteger();
    public volatile CountDownLatch closeEntered = new CountDownLatch(0);
    public volatile CountDownLatch closeProceed = new CountDownLatch(0);

    /** For every folder the DJL engine supports. */
    public HeldDjlEngine() {
        this(null);
    }

    /** For the folders {@code supports} accepts (null: those the DJL engine supports). */
    public HeldDjlEngine(Predicate<Path> supports) {
        this.supports = supports != null ? supports : engine::supports;
    }

    @Override
    public String name() {
        return engine.name();
    }

    @Override
    public boolean supports(Path modelDir) {
        return supports.test(modelDir);
    }

    @Override
    public void check(Path modelDir) throws IOException {
        checkEntered.countDown();
        await(checkProceed, "check");
        engine.check(modelDir);
    }

    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        loads.incrementAndGet();
        loadEntered.countDown();
        await(loadProceed, "load");
        return new ForwardingLanguageModel(engine.load(modelDir)) {
            @Override
            public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline) {
                generateEntered.countDown();
                await(generateProceed, "generation");
                return model.generate(messages, params, deadline);
            }

            @Override
            public GenerationResult generate(List<ChatMessage> messages, GenerationParams params, Instant deadline,
                                             Consumer<String> onText) {
                generateEntered.countDown();
                await(generateProceed, "generation");
                streamedPieces.set(0);
                try {
                    GenerationResult result = model.generate(messages, params, deadline, text -> {
                        // Counted before it is handed on: the client may read the piece before accept returns.
                        int piece = streamedPieces.incrementAndGet();
                        onText.accept(text);
                        if (piece == 1) {
                            firstPieceSent.countDown();
                            await(afterFirstPiece, "streamed generation");
                        }
                    });
                    streamEnds.add(result.finishReason().name());
                    return result;
                } catch (RuntimeException e) {
                    streamEnds.add(e.getClass().getSimpleName());
                    throw e;
                }
            }

            @Override
            public void close() {
                closeEntered.countDown();
                await(closeProceed, "close");
                model.close();
                closed.incrementAndGet();
            }
        };
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the " + what + " go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
