package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.OptionalLong;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.gguf.GgufException;
import com.cryptomaltese.gateway.engine.gguf.GgufHeader;
import com.cryptomaltese.gateway.engine.gguf.GgufReader;
import com.cryptomaltese.gateway.engine.gguf.GgufTensor;
import com.cryptomaltese.gateway.engine.weights.ModelWeights;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Runs GGUF files on llama.cpp (through de.kherud:llama). Every file is read and validated by our
 * own {@link GgufReader} first, so a truncated or hostile header is refused in Java before native
 * code parses it. The context is the model's {@code <arch>.context_length} capped by
 * {@code gateway.llamacpp.max-context}; weights are memory-mapped; one thread per core.
 */
@Component
@Order(20)
public class LlamaCppEngine implements InferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppEngine.class);

    /** The llama.cpp release de.kherud:llama 4.2.0 is built from. */
    static final String LLAMA_CPP_BUILD = "b4916";

    private final LlamaCppSettings settings;
    private final Path nativeDir;

    @Autowired
    LlamaCppEngine(LlamaCppSettings settings, GatewayProperties properties) {
        this(settings, properties.cacheDir().resolve("llama.cpp"));
    }

    /** @param nativeDir where the native library is extracted, unless the process already chose a folder */
    LlamaCppEngine(LlamaCppSettings settings, Path nativeDir) {
        this.settings = settings;
        this.nativeDir = nativeDir;
    }

    @Override
    public String name() {
        return "llama.cpp";
    }

    /**
     * Folders whose weights are GGUF only: a folder that also holds safetensors or PyTorch weights is
     * a safetensors (PyTorch) model, as the model list names its format, and runs on DJL.
     */
    @Override
    public boolean supports(Path modelDir) {
        return GgufFiles.find(modelDir).isPresent() && !ModelWeights.present(modelDir);
    }

    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        Path file = GgufFiles.find(modelDir).orElseThrow(() -> new IOException("no .gguf file in the model folder"));
        String name = modelDir.relativize(file).toString();
        GgufHeader header;
        try {
            header = GgufReader.read(file);
        } catch (GgufException e) {
            // The reader names the absolute path; the API caller only needs the file's name.
            throw new IOException("GGUF file " + name + " is malformed: "
                    + e.getMessage().replace(file + ": ", ""), e);
        }
        if (header.architecture().isEmpty()) {
            throw new IOException("GGUF file " + name + " has no general.architecture");
        }
        if (header.tensors().isEmpty()) {
            throw new IOException("GGUF file " + name + " has no tensors (a vocabulary-only file?)");
        }
        int context = (int) Math.min(settings.maxContext(), header.contextLength().orElse(settings.maxContext()));
        GgufVocabulary vocabulary = GgufVocabulary.of(header);
        ParkedModels.Key key = ParkedModels.Key.of(file, context, settings.effectiveThreads());
        LlamaModel llama = ParkedModels.take(key);
        boolean reused = llama != null;
        if (!reused) {
            llama = open(file, context);
        }
        log.info("GGUF {}: {}, {}, context {}, {} threads{}", name, header.describe(), header.quantisation(), context,
                settings.effectiveThreads(), reused ? " (kept in memory since its last unload)" : "");
        return new LlamaCppModel(llama, model -> ParkedModels.park(key, model), vocabulary, context,
                memoryBytes(header, context), Clock.systemUTC());
    }

    private LlamaModel open(Path file, int context) throws IOException {
        NativeLibrary.prepare(nativeDir);
        ModelParameters parameters = new ModelParameters()
                .setModel(file.toAbsolutePath().toString())
                .setCtxSize(context)
                .setThreads(settings.effectiveThreads())
                .setThreadsBatch(settings.effectiveThreads())
                .setParallel(1)
                .disableContextShift()
                .disableLog();
        try {
            return new LlamaModel(parameters);
        } catch (RuntimeException e) { // the binding's LlamaException, which is not public
            // llama.cpp says why only in its own log, which is off (see NativeLibrary)
            throw new IOException("llama.cpp cannot load " + file.getFileName() + " (" + e.getMessage()
                    + "): the header is valid GGUF, so its architecture or tensors are not what llama.cpp "
                    + LLAMA_CPP_BUILD + " runs", e);
        } catch (LinkageError e) {
            throw new IOException("the llama.cpp native library cannot be loaded (it needs libgomp.so.1, "
                    + "Debian package libgomp1): " + e.getMessage(), e);
        }
    }

    /** Weights (memory-mapped) plus an F16 KV cache for the whole context, as llama.cpp allocates it. */
    private static long memoryBytes(GgufHeader header, int context) {
        long weights = header.tensors().stream().mapToLong(GgufTensor::bytes).sum();
        String arch = header.architecture().orElseThrow();
        OptionalLong layers = header.integer(arch + ".block_count");
        OptionalLong width = header.integer(arch + ".embedding_length");
        OptionalLong heads = header.integer(arch + ".attention.head_count");
        if (layers.isEmpty() || width.isEmpty() || heads.isEmpty() || heads.getAsLong() == 0) {
            return weights;
        }
        long kvHeads = header.integer(arch + ".attention.head_count_kv").orElse(heads.getAsLong());
        long headDim = header.integer(arch + ".attention.key_length").orElse(width.getAsLong() / heads.getAsLong());
        return weights + 2L * 2 * layers.getAsLong() * context * kvHeads * headDim;
    }
}
