package com.cryptomaltese.gateway.engine.llamacpp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import ai.djl.ndarray.NDManager;

import com.cryptomaltese.gateway.GatewayProperties;
import com.cryptomaltese.gateway.engine.InferenceEngine;
import com.cryptomaltese.gateway.engine.LanguageModel;
import com.cryptomaltese.gateway.engine.decode.DecoderLanguageModel;
import com.cryptomaltese.gateway.engine.gguf.GgufException;
import com.cryptomaltese.gateway.engine.gguf.GgufHeader;
import com.cryptomaltese.gateway.engine.gguf.GgufReader;
import com.cryptomaltese.gateway.engine.gguf.GgufTensor;
import com.cryptomaltese.gateway.engine.tokenizer.PromptBuilder;
import com.cryptomaltese.gateway.engine.weights.ModelWeights;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Runs GGUF files on llama.cpp (its C API, see {@link LlamaCpp}), with our own decode loop on its
 * logits ({@link LlamaCppDecoder}). Every file is read and validated by our own {@link GgufReader}
 * first, so a truncated or hostile header is refused in Java before native code parses it. The
 * context is the model's {@code <arch>.context_length} capped by {@code gateway.llamacpp.max-context};
 * weights are memory-mapped; one thread per core. Unloading frees the model and its context.
 */
@Component
@Order(20)
public class LlamaCppEngine implements InferenceEngine {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppEngine.class);

    private final LlamaCppSettings settings;
    private final Path nativeDir;

    @Autowired
    LlamaCppEngine(LlamaCppSettings settings, GatewayProperties properties) {
        this(settings, properties.cacheDir().resolve("llama.cpp"));
    }

    /** @param nativeDir where the native library is extracted, unless the process already loaded it */
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

    /**
     * The header, validated in Java, including what llama.cpp would abort on; its chat template
     * renders; and llama.cpp itself reads the architecture and the vocabulary (a vocabulary-only
     * load: no hyperparameter but the architecture, no tensor, no weights held). The rest is left to the load.
     */
    @Override
    public void check(Path modelDir) throws IOException {
        Gguf gguf = read(modelDir);
        PromptBuilder.forModel(GgufVocabulary.of(gguf.header()).settings()).check();
        LlamaCpp.Api api = LlamaCpp.api(nativeDir);
        LlamaCpp.Params vocabularyOnly = api.llama_model_default_params();
        vocabularyOnly.setByte(LlamaCpp.VOCAB_ONLY, (byte) 1);
        api.llama_model_free(loadModel(api, gguf, vocabularyOnly));
    }

    @Override
    public LanguageModel load(Path modelDir) throws IOException {
        Gguf gguf = read(modelDir);
        LlamaCpp.Api api = LlamaCpp.api(nativeDir);
        LlamaCppDecoder decoder = open(api, gguf);
        try {
            GgufVocabulary vocabulary = GgufVocabulary.of(gguf.header());
            Set<Integer> endOfGeneration = endOfGeneration(api, decoder.vocab(), decoder.vocabSize());
            log.info("GGUF {}: {}, {}, context {}, {} threads", gguf.name(), gguf.header().describe(),
                    gguf.header().quantisation(), gguf.context(), settings.effectiveThreads());
            return DecoderLanguageModel.of(decoder, NDManager.newBaseManager(), new GgufTokens(api, decoder, vocabulary),
                    PromptBuilder.forModel(vocabulary.settings()), endOfGeneration);
        } catch (RuntimeException | Error e) {
            decoder.close();
            throw e;
        }
    }

    /** The model of {@code modelDir} as a bare decoder (logits only), for tests and benchmarks. */
    LlamaCppDecoder decoder(Path modelDir) throws IOException {
        return open(LlamaCpp.api(nativeDir), read(modelDir));
    }

    /** A GGUF file whose header our reader validated, and the context it gets. */
    private record Gguf(Path file, String name, GgufHeader header, int context) {
    }

    private Gguf read(Path modelDir) throws IOException {
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
        Optional<String> abort = LlamaCppPreflight.problem(header);
        if (abort.isPresent()) {
            throw new IOException("GGUF file " + name + " cannot run: " + abort.get());
        }
        int context = (int) Math.min(settings.maxContext(), header.contextLength().orElse(settings.maxContext()));
        return new Gguf(file, name, header, context);
    }

    private LlamaCppDecoder open(LlamaCpp.Api api, Gguf gguf) throws IOException {
        int context = gguf.context();
        Pointer model = loadModel(api, gguf, api.llama_model_default_params());
        LlamaCpp.Params parameters = api.llama_context_default_params();
        parameters.setInt(LlamaCpp.N_CTX, context);
        // One call decodes a whole prompt (up to the context); llama.cpp splits it into micro-batches.
        parameters.setInt(LlamaCpp.N_BATCH, context);
        parameters.setInt(LlamaCpp.N_UBATCH, Math.min(512, context));
        parameters.setInt(LlamaCpp.N_SEQ_MAX, LlamaCppDecoder.SEQUENCES);
        parameters.setInt(LlamaCpp.N_THREADS, settings.effectiveThreads());
        parameters.setInt(LlamaCpp.N_THREADS_BATCH, settings.effectiveThreads());
        Pointer llamaContext = api.llama_init_from_model(model, parameters);
        if (llamaContext == null) {
            api.llama_model_free(model);
            throw new IOException("llama.cpp cannot make a context of " + context + " positions for " + gguf.name());
        }
        return new LlamaCppDecoder(api, model, llamaContext, context, memoryBytes(gguf.header(), context));
    }

    /** llama.cpp's model, or why it refused the file. */
    private static Pointer loadModel(LlamaCpp.Api api, Gguf gguf, LlamaCpp.Params parameters) throws IOException {
        String path = gguf.file().toAbsolutePath().toString();
        LlamaCpp.Logged<Pointer> loaded = LlamaCpp.collectErrors(() -> api.llama_model_load_from_file(path, parameters));
        if (loaded.result() == null) {
            throw new IOException("llama.cpp cannot load " + gguf.name() + ": " + reason(loaded.errors()));
        }
        return loaded.result();
    }

    /**
     * Why llama.cpp refused a model, from what it logged: "llama_model_load: error loading model:
     * error loading model architecture: unknown model architecture: 'lxama'" becomes "error loading
     * model architecture: unknown model architecture: 'lxama'".
     */
    static String reason(List<String> errors) {
        String marker = "error loading model: ";
        return errors.stream().filter(e -> e.contains(marker)).findFirst()
                .map(e -> e.substring(e.lastIndexOf(marker) + marker.length()))
                .or(() -> errors.stream().findFirst())
                .orElse("the header is valid GGUF, so its architecture or tensors are not what llama.cpp "
                        + LlamaCpp.BUILD + " runs");
    }

    /** Every token llama.cpp ends a generation on (end of sequence, of turn, of message). */
    private static Set<Integer> endOfGeneration(LlamaCpp.Api api, Pointer vocab, int vocabSize) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id = 0; id < vocabSize; id++) {
            if (api.llama_vocab_is_eog(vocab, id) != 0) {
                ids.add(id);
            }
        }
        return ids;
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
