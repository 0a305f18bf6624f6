package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * llama.cpp's C API (release {@value #BUILD}), called through JNA. The library is the CPU build that
 * the de.kherud:llama jar ships (linux-x86_64, needs the system's libgomp.so.1); only its C functions
 * are used, not the binding's Java API, whose {@code close()} never frees a model. Extracted once
 * per process into a folder of our own; nothing is downloaded.
 * <p>
 * The parameter structs are passed by value. Rather than mirror every field of this release's
 * layout, they travel as opaque blocks larger than the real structs (passed last and in memory, as
 * the x86-64 ABI does for structs this size, so the extra bytes are never read), and only the
 * leading fields of the context parameters, unchanged for many releases, and the model parameters'
 * {@code vocab_only} are written. Their offsets are checked against the library's own defaults
 * before any model is loaded.
 */
final class LlamaCpp {

    static final String BUILD = "b4916";
    private static final Logger log = LoggerFactory.getLogger("llama.cpp");
    private static final String RESOURCE = "/de/kherud/llama/Linux/x86_64/libjllama.so";
    private static Api api;

    /** An opaque by-value parameter block (llama_model_params, llama_context_params): 512 bytes. */
    public static class Params extends Structure implements Structure.ByValue {
        public long[] words = new long[64];

        @Override
        protected List<String> getFieldOrder() {
            return List.of("words");
        }

        int getInt(int offset) {
            return getPointer().getInt(offset);
        }

        /** Sets a 32-bit field and makes the by-value copy carry it. */
        void setInt(int offset, int value) {
            getPointer().setInt(offset, value);
            read();
        }

        byte getByte(int offset) {
            return getPointer().getByte(offset);
        }

        /** Sets a one-byte field (a C bool) and makes the by-value copy carry it. */
        void setByte(int offset, byte value) {
            getPointer().setByte(offset, value);
            read();
        }
    }

    /** struct llama_batch, by value; its arrays belong to the caller. */
    public static class Batch extends Structure implements Structure.ByValue {
        public int n_tokens;
        public Pointer token;
        public Pointer embd;
        public Pointer pos;
        public Pointer n_seq_id;
        public Pointer seq_id;
        public Pointer logits;

        @Override
        protected List<String> getFieldOrder() {
            return List.of("n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits");
        }
    }

    /** ggml's log callback: level (2 info, 3 warn, 4 error, 5 continuation), text. */
    interface LogCallback extends Callback {
        void invoke(int level, String text, Pointer userData);
    }

    /** The functions used, as llama.h of this release declares them. */
    interface Api extends Library {
        void llama_backend_init();

        void llama_log_set(LogCallback callback, Pointer userData);

        Params llama_model_default_params();

        Params llama_context_default_params();

        Pointer llama_model_load_from_file(String path, Params params);

        void llama_model_free(Pointer model);

        Pointer llama_init_from_model(Pointer model, Params params);

        void llama_free(Pointer context);

        Pointer llama_model_get_vocab(Pointer model);

        int llama_vocab_n_tokens(Pointer vocab);

        /** A C bool: one byte (JNA's boolean would read a whole register). */
        byte llama_vocab_is_eog(Pointer vocab, int token);

        int llama_tokenize(Pointer vocab, byte[] text, int textLength, int[] tokens, int maxTokens,
                           boolean addSpecial, boolean parseSpecial);

        int llama_token_to_piece(Pointer vocab, int token, byte[] buffer, int length, int lstrip, boolean special);

        int llama_decode(Pointer context, Batch batch);

        Pointer llama_get_logits_ith(Pointer context, int i);

        void llama_kv_self_seq_cp(Pointer context, int source, int destination, int p0, int p1);

        byte llama_kv_self_seq_rm(Pointer context, int sequence, int p0, int p1);

        int llama_kv_self_used_cells(Pointer context);
    }

    // Offsets of the leading fields of llama_context_params (uint32 n_ctx, n_batch, n_ubatch,
    // n_seq_max; int32 n_threads, n_threads_batch) and their defaults in this release.
    static final int N_CTX = 0;
    static final int N_BATCH = 4;
    static final int N_UBATCH = 8;
    static final int N_SEQ_MAX = 12;
    static final int N_THREADS = 16;
    static final int N_THREADS_BATCH = 20;
    private static final int[] CONTEXT_DEFAULTS = {512, 2048, 512, 1, 4, 4};

    // llama_model_params: its bools follow five pointers and three 32-bit fields (split_mode, 1 by
    // default, at 12): vocab_only (false) at 56, use_mmap (true) at 57.
    static final int SPLIT_MODE = 12;
    static final int VOCAB_ONLY = 56;
    static final int USE_MMAP = 57;

    /** The errors llama.cpp logs on this thread while {@link #collectErrors} runs; null otherwise. */
    private static final ThreadLocal<List<String>> ERRORS = new ThreadLocal<>();

    /** Kept reachable: the native side calls it for as long as the library is loaded. */
    private static final LogCallback LOG = (level, text, data) -> {
        if (level == 4) {
            log.warn("{}", text.strip());
            List<String> sink = ERRORS.get();
            if (sink != null && sink.size() < 16) {
                sink.add(text.strip());
            }
        } else if (level == 3) {
            log.debug("{}", text.strip());
        }
    };

    /** Native work that logs why it fails (a model load returning NULL): its result and the errors it logged. */
    interface NativeCall<T> {
        T call();
    }

    record Logged<T>(T result, List<String> errors) {
    }

    static <T> Logged<T> collectErrors(NativeCall<T> work) {
        List<String> errors = new ArrayList<>();
        ERRORS.set(errors);
        try {
            return new Logged<>(work.call(), List.copyOf(errors));
        } finally {
            ERRORS.remove();
        }
    }

    /** dlopen flags (glibc's values). */
    private static final int RTLD_LAZY = 0x1;
    private static final int RTLD_LOCAL = 0x0;

    private LlamaCpp() {
    }

    /** The API, loading the library on first use into {@code folder}. */
    static synchronized Api api(Path folder) throws IOException {
        if (api != null) {
            return api;
        }
        Path library = extract(folder);
        Api loaded;
        try {
            // RTLD_LOCAL, not JNA's RTLD_GLOBAL: the library carries its own C++ runtime symbols (operator
            // delete, std::regex), and libtorch, when loaded after it, bound to those and freed its memory
            // with the wrong allocator (a TorchScript load after a GGUF one killed the process).
            loaded = Native.load(library.toString(), Api.class, Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY | RTLD_LOCAL));
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("the llama.cpp native library cannot be loaded (it needs libgomp.so.1, "
                    + "Debian package libgomp1): " + e.getMessage(), e);
        }
        loaded.llama_log_set(LOG, null);
        loaded.llama_backend_init();
        Params defaults = loaded.llama_context_default_params();
        int[] offsets = {N_CTX, N_BATCH, N_UBATCH, N_SEQ_MAX, N_THREADS, N_THREADS_BATCH};
        for (int i = 0; i < offsets.length; i++) {
            if (defaults.getInt(offsets[i]) != CONTEXT_DEFAULTS[i]) {
                throw new IOException("the llama.cpp library is not release " + BUILD
                        + " (its context parameters are laid out differently)");
            }
        }
        Params model = loaded.llama_model_default_params();
        if (model.getInt(SPLIT_MODE) != 1 || model.getByte(VOCAB_ONLY) != 0 || model.getByte(USE_MMAP) != 1) {
            throw new IOException("the llama.cpp library is not release " + BUILD
                    + " (its model parameters are laid out differently)");
        }
        api = loaded;
        return api;
    }

    private static Path extract(Path folder) throws IOException {
        Files.createDirectories(folder);
        try (InputStream in = LlamaCpp.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the llama.cpp library " + RESOURCE + " is not on the class path (de.kherud:llama)");
            }
            byte[] bytes = in.readAllBytes();
            Path target = folder.resolve("libjllama-" + BUILD + "-" + Integer.toHexString(Arrays.hashCode(bytes)) + ".so");
            if (!Files.exists(target) || Files.size(target) != bytes.length) {
                Path temporary = Files.createTempFile(folder, "libjllama", ".part");
                Files.write(temporary, bytes);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        }
    }
}
