package com.cryptomaltese.gateway.engine.weights;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The real trained stories260K checkpoint (a tiny Llama). It lives in ../shared beside the clone,
 * both locally and in CI, and is never copied into the repository.
 */
class StoriesSafetensorsTest {

    private static final Path FOLDER = Path.of("../shared/models/stories260K/hf");

    @Test
    void opensTheTrainedCheckpointAndReadsKnownValues() throws Exception {
        assertThat(FOLDER.resolve("model.safetensors")).as("stories260K checkpoint beside the clone").isRegularFile();
        try (SafetensorsFile file = SafetensorsFile.open(FOLDER.resolve("model.safetensors"))) {
            assertThat(file.tensors()).hasSize(47);
            assertThat(file.tensors().values()).allSatisfy(t -> assertThat(t.dtype()).isEqualTo(DType.F32));
            assertThat(file.metadata()).containsEntry("format", "pt");
            assertThat(file.tensors().get("model.embed_tokens.weight").shape()).containsExactly(512, 64);

            // Expected values read independently with Python's standard library:
            //   n = struct.unpack('<Q', f[:8])[0]; h = json.loads(f[8:8+n]); base = 8 + n
            //   struct.unpack_from('<I', f, base + h[name]['data_offsets'][0] + 4*i)
            // The raw bits are compared so no decimal rounding is involved.
            float[] embed = file.load("model.embed_tokens.weight");
            assertThat(embed).hasSize(512 * 64);
            assertThat(embed[0]).isEqualTo(Float.intBitsToFloat(0xbe96e950)); // -0.29474878
            assertThat(embed[1]).isEqualTo(Float.intBitsToFloat(0x3f0fd864)); //  0.5618956
            assertThat(embed[511 * 64 + 63]).isEqualTo(Float.intBitsToFloat(0xbed91acd)); // -0.4240326

            float[] norm = file.load("model.norm.weight");
            assertThat(norm[0]).isEqualTo(Float.intBitsToFloat(0x401d54ef)); // 2.4583089
            assertThat(norm[63]).isEqualTo(Float.intBitsToFloat(0x3fda986f)); // 1.7077769
        }
    }

    @Test
    void theModelFolderGivesTheSameTensors() throws Exception {
        try (SafetensorsModel model = SafetensorsModel.open(FOLDER)) {
            assertThat(model.tensors()).hasSize(47).containsKey("model.layers.4.self_attn.v_proj.weight");
            float[] v = model.load("model.layers.4.self_attn.v_proj.weight");
            assertThat(v).hasSize(32 * 64);
            // Same Python method as above.
            assertThat(v[0]).isEqualTo(Float.intBitsToFloat(0x3d6784c9)); // 0.05652312
            assertThat(v[2047]).isEqualTo(Float.intBitsToFloat(0x3db4fadf)); // 0.08836912
        }
    }
}
