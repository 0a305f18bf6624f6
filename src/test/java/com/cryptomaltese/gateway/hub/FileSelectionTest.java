package com.cryptomaltese.gateway.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import com.cryptomaltese.gateway.hub.HubListing.HubFile;
import org.junit.jupiter.api.Test;

class FileSelectionTest {

    static HubListing listing(String... names) {
        return new HubListing("org/repo", "abc1234", Arrays.stream(names)
                .map(n -> new HubFile(n, n.length(), null, n.endsWith(".json") ? null : "0".repeat(64))).toList());
    }

    static List<String> paths(FileSelection.Choice choice) {
        return choice.files().stream().map(HubFile::path).toList();
    }

    @Test
    void safetensorsIsTheDefaultAndBringsTheSmallFiles() {
        HubListing l = listing("config.json", "tokenizer.json", "README.md", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "onnx/model.onnx", "chat_template.jinja", "special_tokens_map.json", "training_args.bin");
        FileSelection.Choice c = FileSelection.choose(l, null, null);
        assertThat(c.format()).isEqualTo("safetensors");
        assertThat(paths(c)).containsExactlyInAnyOrder("config.json", "tokenizer.json", "chat_template.jinja",
                "special_tokens_map.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json");
        assertThat(paths(FileSelection.choose(l, "pytorch", null))).contains("pytorch_model.bin").doesNotContain("training_args.bin");
        assertThat(paths(FileSelection.choose(l, "onnx", null))).contains("onnx/model.onnx");
    }

    @Test
    void ggufTakesOneQuantisation() {
        HubListing l = listing("config.json", "m-Q8_0.gguf", "m-Q4_K_M.gguf", "m-F16-00001-of-00002.gguf",
                "m-F16-00002-of-00002.gguf");
        assertThat(paths(FileSelection.choose(l, "gguf", null))).containsExactly("config.json", "m-Q4_K_M.gguf");
        assertThat(paths(FileSelection.choose(l, "gguf", "q8_0"))).containsExactly("config.json", "m-Q8_0.gguf");
        assertThat(paths(FileSelection.choose(l, "gguf", "F16")))
                .containsExactly("config.json", "m-F16-00001-of-00002.gguf", "m-F16-00002-of-00002.gguf");
        assertThatThrownBy(() -> FileSelection.choose(l, "gguf", "Q2_K"))
                .hasMessage("org/repo has no GGUF file for quantisation Q2_K; it has F16, Q4_K_M, Q8_0");
        assertThat(FileSelection.choose(listing("x.gguf", "m-Q8_0.gguf"), null, null).format()).isEqualTo("gguf");
    }

    @Test
    void onnxTakesTheModelAndItsExternalData() {
        HubListing l = listing("onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_fp16.onnx", "config.json");
        assertThat(paths(FileSelection.choose(l, "onnx", null)))
                .containsExactly("config.json", "onnx/model.onnx", "onnx/model.onnx_data");
    }

    @Test
    void anAbsentFormatNamesThoseThere() {
        assertThatThrownBy(() -> FileSelection.choose(listing("config.json", "a.gguf", "b.bin"), "safetensors", null))
                .hasMessage("org/repo has no safetensors files; it has gguf, pytorch");
        assertThatThrownBy(() -> FileSelection.choose(listing("config.json"), null, null))
                .hasMessageContaining("has no model weights in a known format");
    }
}
