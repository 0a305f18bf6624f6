package com.cryptomaltese.gateway.engine.decode;

import java.time.Clock;
import java.time.Instant;

import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.sampling.BeamStepper;

/**
 * Beam search over a {@link Decoder}: the prompt runs once, then each beam has its own state (KV
 * cache). When beams are reordered, a parent chosen by one child keeps its cache and a parent chosen
 * by several is copied, so caches are never shared between live beams.
 */
final class CachedBeamStepper implements BeamStepper, AutoCloseable {

    /** Thrown out of the search when the deadline passes; the caller reports it as such. */
    static final class DeadlinePassed extends RuntimeException {
        DeadlinePassed() {
            super("generation deadline passed", null, false, false);
        }
    }

    private final Decoder model;
    private final NDManager manager;
    private final Instant deadline;
    private final Clock clock;
    private DecoderState[] caches;
    private float[][] logits;

    CachedBeamStepper(Decoder model, NDManager manager, int[] prompt, int beams, Instant deadline, Clock clock) {
        this.model = model;
        this.manager = manager;
        this.deadline = deadline;
        this.clock = clock;
        checkDeadline();
        DecoderState first = model.newState(manager);
        caches = new DecoderState[beams];
        logits = new float[beams][];
        try {
            float[] promptLogits;
            try (NDManager step = manager.newSubManager()) {
                promptLogits = first.forward(prompt, step).toFloatArray();
            }
            for (int b = 0; b < beams; b++) {
                caches[b] = b == 0 ? first : first.fork();
                logits[b] = promptLogits.clone();
            }
        } catch (RuntimeException | Error e) {
            // No caller will close a stepper that was never made: its sequences are freed here (a
            // llama.cpp sequence would otherwise stay taken until the model is unloaded).
            if (caches[0] == null) {
                first.close();
            }
            closeAll(caches); // each state once: some decoders count references to shared caches
            throw e;
        }
    }

    private static void closeAll(DecoderState[] states) {
        for (DecoderState state : states) {
            if (state != null) {
                state.close();
            }
        }
    }

    @Override
    public float[][] logits() {
        float[][] copy = new float[logits.length][];
        for (int b = 0; b < logits.length; b++) {
            copy[b] = logits[b].clone(); // the search processes rows in place
        }
        return copy;
    }

    @Override
    public void advance(int[] parentBeam, int[] token) {
        checkDeadline();
        DecoderState[] next = new DecoderState[caches.length];
        DecoderState[] forks = new DecoderState[caches.length];
        boolean[] taken = new boolean[caches.length];
        try {
            for (int b = 0; b < next.length; b++) {
                int parent = parentBeam[b];
                next[b] = taken[parent] ? forks[b] = caches[parent].fork() : caches[parent];
                taken[parent] = true;
            }
        } catch (RuntimeException | Error e) {
            closeAll(forks); // the old caches are still this stepper's, closed with it
            throw e;
        }
        DecoderState[] before = caches;
        caches = next;
        for (int b = 0; b < before.length; b++) {
            if (!taken[b]) {
                before[b].close();
            }
        }
        for (int b = 0; b < caches.length; b++) {
            try (NDManager step = manager.newSubManager()) {
                logits[b] = caches[b].forward(new int[] {token[b]}, step).toFloatArray();
            }
        }
    }

    private void checkDeadline() {
        if (!clock.instant().isBefore(deadline)) {
            throw new DeadlinePassed();
        }
    }

    @Override
    public void close() {
        closeAll(caches);
    }
}
