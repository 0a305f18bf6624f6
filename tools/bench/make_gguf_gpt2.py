#!/usr/bin/env python3
"""Writes the GPT-2-small-shaped benchmark model (make_gpt2_small.py) as GGUF files for llama.cpp,
in F16 and Q8_0, with the `gguf` package. The vocabulary (GPT-2's BPE tokens and merges) comes from
llama.cpp's vocab-only test file ../shared/models/llama.cpp-vocab/ggml-vocab-gpt-2.gguf; the bench
feeds token ids, so only its size matters for speed.

    /tmp/ref/bin/python tools/bench/make_gguf_gpt2.py SAFETENSORS_DIR OUT_DIR
"""

import json
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import load_file

REPO_ROOT = Path(__file__).resolve().parents[2]
VOCAB = REPO_ROOT.parent / "shared" / "models" / "llama.cpp-vocab" / "ggml-vocab-gpt-2.gguf"

# HF GPT-2 names (Conv1D weights stored (in, out)) -> llama.cpp's gpt2 names.
LAYER = {
    "ln_1.weight": "attn_norm.weight", "ln_1.bias": "attn_norm.bias",
    "attn.c_attn.weight": "attn_qkv.weight", "attn.c_attn.bias": "attn_qkv.bias",
    "attn.c_proj.weight": "attn_output.weight", "attn.c_proj.bias": "attn_output.bias",
    "ln_2.weight": "ffn_norm.weight", "ln_2.bias": "ffn_norm.bias",
    "mlp.c_fc.weight": "ffn_up.weight", "mlp.c_fc.bias": "ffn_up.bias",
    "mlp.c_proj.weight": "ffn_down.weight", "mlp.c_proj.bias": "ffn_down.bias",
}
TOP = {"wte.weight": "token_embd.weight", "wpe.weight": "position_embd.weight",
       "ln_f.weight": "output_norm.weight", "ln_f.bias": "output_norm.bias"}


def name(hf):
    hf = hf.removeprefix("transformer.")
    if hf in TOP:
        return TOP[hf]
    parts = hf.split(".")  # h.<i>.<rest>
    return f"blk.{parts[1]}.{LAYER['.'.join(parts[2:])]}"


def field(reader, key):
    f = reader.fields[key]
    if f.types[0] == gguf.GGUFValueType.ARRAY:
        if f.types[-1] == gguf.GGUFValueType.STRING:
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
        return [int(f.parts[i][0]) for i in f.data]
    return f.parts[f.data[0]][0]


def write(src: Path, out: Path, quant: str):
    config = json.loads((src / "config.json").read_text())
    vocab = gguf.GGUFReader(str(VOCAB))
    w = gguf.GGUFWriter(str(out), arch="gpt2")
    w.add_name("maltese-bench-gpt2-small")
    w.add_context_length(config["n_positions"])
    w.add_embedding_length(config["n_embd"])
    w.add_block_count(config["n_layer"])
    w.add_feed_forward_length(4 * config["n_embd"])
    w.add_head_count(config["n_head"])
    w.add_layer_norm_eps(config["layer_norm_epsilon"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if quant == "F16" else gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(field(vocab, "tokenizer.ggml.tokens"))
    w.add_token_types(field(vocab, "tokenizer.ggml.token_type"))
    w.add_token_merges(field(vocab, "tokenizer.ggml.merges"))
    w.add_bos_token_id(int(field(vocab, "tokenizer.ggml.bos_token_id")))
    w.add_eos_token_id(int(field(vocab, "tokenizer.ggml.eos_token_id")))
    for hf, array in sorted(load_file(str(src / "model.safetensors")).items()):
        if hf.endswith(".attn.bias") or hf.endswith(".attn.masked_bias") or hf == "lm_head.weight":
            continue  # causal-mask buffers; lm_head is tied to wte
        array = array.astype(np.float32)
        if array.ndim == 2 and "wte" not in hf and "wpe" not in hf:
            array = np.ascontiguousarray(array.T)  # Conv1D (in, out) -> (out, in)
        if array.ndim == 2 and "wpe" not in hf:
            if quant == "F16":
                w.add_tensor(name(hf), array.astype(np.float16))
            else:
                w.add_tensor(name(hf), gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0),
                             raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        else:
            w.add_tensor(name(hf), array)
        if hf.endswith("wte.weight"):  # llama.cpp's gpt2 wants the tied classifier stored as well
            out_array = array.astype(np.float16) if quant == "F16" else gguf.quants.quantize(
                array, gguf.GGMLQuantizationType.Q8_0)
            w.add_tensor("output.weight", out_array,
                         raw_dtype=None if quant == "F16" else gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    for quant in ("F16", "Q8_0"):
        folder = out / quant.lower()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"gpt2-small-{quant.lower()}.gguf"
        if not target.exists():
            write(src, target, quant)
        print(target, target.stat().st_size)
