package com.cryptomaltese.gateway.engine.llamacpp;

import java.lang.ref.Reference;
import java.util.BitSet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.cryptomaltese.gateway.engine.UnsupportedParameterException;
import com.cryptomaltese.gateway.engine.decode.Decoder;
import com.cryptomaltese.gateway.engine.decode.DecoderState;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * A GGUF model on llama.cpp as a {@link Decoder}: llama.cpp computes the logits, and our decode loop
 * does the rest (sampling, penalties, beam search, stop rules), as for every other format. Each
 * {@link DecoderState} is one sequence of the context's KV cache: {@link DecoderState#fork()} lets a
 * second sequence share the first one's cells (nothing is copied), and closing a state frees its
 * cells. Closing the decoder frees the context and the model, so an unload gives their memory back.
 * Used by one thread at a time (the language model's generations are serialised).
 */
final class LlamaCppDecoder implements Decoder {

    /** Sequence ids of the context: enough for the widest beam search (10) and the forks of a step. */
    static final int SEQUENCES = 32;

    private final LlamaCpp.Api api;
    private final Pointer model;
    private final Pointer context;
    private final int contextLength;
    private final int vocabSize;
    private final long weightBytes;
    private final BitSet live = new BitSet(SEQUENCES);
    private boolean closed;

    LlamaCppDecoder(LlamaCpp.Api api, Pointer model, Pointer context, int contextLength, long weightBytes) {
        this.api = api;
        this.model = model;
        this.context = context;
        this.contextLength = contextLength;
        this.vocabSize = api.llama_vocab_n_tokens(api.llama_model_get_vocab(model));
        this.weightBytes = weightBytes;
    }

    /** The model's vocabulary; the caller holds this decoder's lock while using it (see {@link GgufTokens}). */
    synchronized Pointer vocab() {
        requireOpen();
        return api.llama_model_get_vocab(model);
    }

    @Override
    public DecoderState newState(NDManager manager) {
        return new Sequence(take(), 0);
    }

    @Override
    public int maxPositions() {
        return contextLength;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public long weightBytes() {
        return weightBytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            api.llama_free(context);
            api.llama_model_free(model);
        }
    }

    private synchronized int take() {
        requireOpen();
        int id = live.nextClearBit(0);
        if (id >= SEQUENCES) {
            throw new IllegalStateException("all " + SEQUENCES + " llama.cpp sequences are in use");
        }
        live.set(id);
        return id;
    }

    private synchronized void release(int id) {
        if (!closed && live.get(id)) {
            api.llama_kv_self_seq_rm(context, id, -1, -1);
            live.clear(id);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the model has been unloaded");
        }
    }

    /** One llama.cpp sequence: its id and how many positions it holds. */
    private final class Sequence implements DecoderState {
        private final int id;
        private int length;
        private boolean closed;

        Sequence(int id, int length) {
            this.id = id;
            this.length = length;
        }

        @Override
        public NDArray forward(int[] tokens, NDManager step) {
            synchronized (LlamaCppDecoder.this) {
                requireOpen();
                if (closed) {
                    throw new IllegalStateException("the sequence was closed");
                }
                if (length + tokens.length > contextLength) {
                    throw new IllegalStateException("sequence of " + (length + tokens.length)
                            + " positions exceeds the context of " + contextLength);
                }
                // The KV cache has a cell per position of the context, shared by all sequences: one
                // sequence always fits, so only beams (several) can fill it. Checked before the call,
                // since llama.cpp reports a full cache with the same code as other failures.
                if (api.llama_kv_self_used_cells(context) + tokens.length > contextLength) {
                    throw new UnsupportedParameterException("num_beams", "needs more of llama.cpp's KV cache than "
                            + "this model's context of " + contextLength + " positions holds for all beams together; "
                            + "lower num_beams or max_length");
                }
                for (int token : tokens) {
                    // llama.cpp aborts the whole process on an id outside its vocabulary (a C++ exception
                    // through JNA): refused here, as a failed generation.
                    if (token < 0 || token >= vocabSize) {
                        throw new IllegalArgumentException("token id " + token + " outside the vocabulary of " + vocabSize);
                    }
                }
                LlamaCpp.Batch batch = batch(tokens);
                int rc = api.llama_decode(context, batch);
                // The arrays are native memory that JNA frees once unreachable: not before the call ends.
                Reference.reachabilityFence(batch);
                if (rc != 0) {
                    throw new IllegalStateException("llama_decode failed (" + rc + ")");
                }
                length += tokens.length;
                float[] logits = api.llama_get_logits_ith(context, tokens.length - 1).getFloatArray(0, vocabSize);
                return step.create(logits);
            }
        }

        /** The tokens at the next positions of this sequence; logits for the last one only. */
        private LlamaCpp.Batch batch(int[] tokens) {
            int n = tokens.length;
            Memory ids = new Memory(4L * n);
            Memory positions = new Memory(4L * n);
            Memory counts = new Memory(4L * n);
            // n pointers to one sequence id, which sits after them: one block, kept alive by the batch
            Memory sequences = new Memory(8L * n + 4);
            Pointer sequence = sequences.share(8L * n);
            Memory logits = new Memory(n);
            sequence.setInt(0, id);
            ids.write(0, tokens, 0, n);
            for (int i = 0; i < n; i++) {
                positions.setInt(4L * i, length + i);
                counts.setInt(4L * i, 1);
                sequences.setPointer(8L * i, sequence);
                logits.setByte(i, (byte) (i == n - 1 ? 1 : 0));
            }
            LlamaCpp.Batch batch = new LlamaCpp.Batch();
            batch.n_tokens = n;
            batch.token = ids;
            batch.pos = positions;
            batch.n_seq_id = counts;
            batch.seq_id = sequences;
            batch.logits = logits;
            return batch;
        }

        @Override
        public DecoderState fork() {
            if (closed) {
                throw new IllegalStateException("the sequence was closed");
            }
            int child = take();
            synchronized (LlamaCppDecoder.this) {
                requireOpen();
                api.llama_kv_self_seq_cp(context, id, child, -1, -1);
            }
            return new Sequence(child, length);
        }

        /** Frees the sequence's cells once: a second close must not free an id another state took since. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(id);
            }
        }
    }
}
