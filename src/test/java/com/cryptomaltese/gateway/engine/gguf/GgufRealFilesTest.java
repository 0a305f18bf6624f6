package com.cryptomaltese.gateway.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The real GGUF files of ../shared/models (see PROVENANCE.md there). Every expected value below was
 * computed with the independent reference reader, the {@code gguf} Python package
 * ({@code gguf.GGUFReader}), not with the reader under test.
 */
@SuppressWarnings("unchecked")
class GgufRealFilesTest {

    private static final Path MODELS = Path.of("../shared/models");

    @Test
    void stories260K() throws Exception {
        Path file = MODELS.resolve("stories260K/gguf/stories260K.gguf");
        GgufHeader h = GgufReader.read(file);
        // gguf.GGUFReader: version 3, 47 tensors, 25 key/values, data_offset 14432, alignment 32
        assertThat(h.version()).isEqualTo(3);
        assertThat(h.tensorCount()).isEqualTo(47);
        assertThat(h.tensors()).hasSize(47);
        assertThat(h.metadata()).hasSize(25);
        assertThat(h.dataOffset()).isEqualTo(14432);
        assertThat(h.alignment()).isEqualTo(32);
        assertThat(h.architecture()).contains("llama");
        assertThat(h.contextLength()).hasValue(512);
        assertThat(h.fileType()).hasValue(0);
        assertThat(h.chatTemplate()).isEmpty();
        assertThat(h.metadata()).containsEntry("general.name", "stories260K")
                .containsEntry("llama.embedding_length", 64L)
                .containsEntry("llama.block_count", 5L)
                .containsEntry("llama.attention.head_count_kv", 4L)
                .containsEntry("llama.rope.freq_base", 10000.0f)
                .containsEntry("tokenizer.ggml.add_bos_token", true)
                .containsEntry("tokenizer.ggml.add_eos_token", false);
        assertThat((String) h.metadata().get("general.description")).hasSize(90)
                .startsWith("Karpathy's llama2.c TinyStories stories260K, converted from ");
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.tokens")).hasSize(512)
                .startsWith("<unk>", "<s>", "</s>");
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.scores")).hasSize(512).first().isEqualTo(0.0f);
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.token_type")).hasSize(512).startsWith(2, 3, 3);
        assertThat(h.tensorTypeCounts()).isEqualTo(Map.of(GgmlType.F32, 47));
        // first tensors and the last one, offsets relative to the data section, sizes in bytes
        GgufTensor embd = h.tensors().get(0);
        assertThat(embd.name()).isEqualTo("token_embd.weight");
        assertThat(embd.dims()).containsExactly(64, 512);
        assertThat(embd.type()).isEqualTo(GgmlType.F32);
        assertThat(embd.offset()).isZero();
        assertThat(embd.bytes()).isEqualTo(131072);
        assertThat(h.tensors().get(1)).isEqualTo(new GgufTensor("blk.0.attn_norm.weight", new long[] {64},
                GgmlType.F32, 131072, 256));
        assertThat(h.tensors().get(2)).isEqualTo(new GgufTensor("blk.0.attn_q.weight", new long[] {64, 64},
                GgmlType.F32, 131328, 16384));
        assertThat(h.tensors().get(46)).isEqualTo(new GgufTensor("output_norm.weight", new long[] {64},
                GgmlType.F32, 1039872, 256));
        // the last tensor ends exactly at the end of the file
        assertThat(h.dataOffset() + 1039872 + 256).isEqualTo(Files.size(file));
        assertThat(h.describe()).isEqualTo("llama (GGUF v3, F32, context 512)");
        assertThat(h.quantisation()).isEqualTo("F32 x47 (file type 0)");
    }

    @Test
    void tinyRandomLlama2() throws Exception {
        GgufHeader h = GgufReader.read(MODELS.resolve("ollama/llama-2-tiny-random.gguf"));
        // gguf.GGUFReader: version 3, 12 tensors (9 F16, 3 F32), 18 key/values, data_offset 724416
        assertThat(h.version()).isEqualTo(3);
        assertThat(h.tensors()).hasSize(12);
        assertThat(h.metadata()).hasSize(18);
        assertThat(h.dataOffset()).isEqualTo(724416);
        assertThat(h.architecture()).contains("llama");
        assertThat(h.contextLength()).hasValue(4096);
        assertThat(h.fileType()).hasValue(1);
        assertThat(h.metadata()).containsEntry("general.name", "LLaMA v2");
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.tokens")).hasSize(32000)
                .startsWith("<unk>", "<s>", "</s>");
        assertThat(h.tensorTypeCounts()).isEqualTo(Map.of(GgmlType.F16, 9, GgmlType.F32, 3));
        assertThat(h.tensors().get(0)).isEqualTo(new GgufTensor("token_embd.weight", new long[] {8, 32000},
                GgmlType.F16, 0, 512000));
        assertThat(h.tensors().get(1)).isEqualTo(new GgufTensor("blk.0.attn_q.weight", new long[] {8, 8},
                GgmlType.F16, 512000, 128));
        assertThat(h.tensors().get(11)).isEqualTo(new GgufTensor("output.weight", new long[] {8, 32000},
                GgmlType.F16, 514144, 512000));
        assertThat(h.mainType()).contains(GgmlType.F16);
        assertThat(h.describe()).isEqualTo("llama (GGUF v3, F16, context 4096)");
    }

    @Test
    void vocabOnlyLlamaSpm() throws Exception {
        GgufHeader h = GgufReader.read(MODELS.resolve("llama.cpp-vocab/ggml-vocab-llama-spm.gguf"));
        // gguf.GGUFReader: version 3, 0 tensors, 22 key/values, data_offset 723872 (past the 723869-byte file)
        assertThat(h.version()).isEqualTo(3);
        assertThat(h.tensorCount()).isZero();
        assertThat(h.tensors()).isEmpty();
        assertThat(h.metadata()).hasSize(22);
        assertThat(h.dataOffset()).isEqualTo(723872);
        assertThat(h.architecture()).contains("llama");
        assertThat(h.contextLength()).hasValue(4096);
        assertThat(h.metadata()).containsEntry("general.name", "llama-spm").containsEntry("llama.vocab_size", 32000L);
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.tokens")).hasSize(32000);
        assertThat(h.quantisation()).isEqualTo("no tensors (file type 1)");
        assertThat(h.describe()).isEqualTo("llama (GGUF v3, context 4096)");
    }

    @Test
    void vocabOnlyGpt2() throws Exception {
        GgufHeader h = GgufReader.read(MODELS.resolve("llama.cpp-vocab/ggml-vocab-gpt-2.gguf"));
        // gguf.GGUFReader: version 3, 0 tensors, 16 key/values, data_offset 1766816
        assertThat(h.version()).isEqualTo(3);
        assertThat(h.tensors()).isEmpty();
        assertThat(h.metadata()).hasSize(16);
        assertThat(h.dataOffset()).isEqualTo(1766816);
        assertThat(h.architecture()).contains("gpt2");
        assertThat(h.contextLength()).hasValue(1024);
        assertThat(h.metadata()).containsEntry("tokenizer.ggml.model", "gpt2")
                .containsEntry("tokenizer.ggml.pre", "gpt-2")
                .containsEntry("tokenizer.ggml.bos_token_id", 50256L);
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.tokens")).hasSize(50257).startsWith("!", "\"", "#");
        assertThat((List<Object>) h.metadata().get("tokenizer.ggml.merges")).hasSize(50000)
                .startsWith("Ġ t", "Ġ a", "h e");
    }
}
