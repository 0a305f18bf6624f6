#!/usr/bin/env python3
"""Writes a GPT-2-small-shaped model with random (seeded) weights for the decode benchmark.

12 layers, 768 dims, 12 heads, 50257 vocab, 1024 positions, float32 safetensors (~500 MB),
config.json and generation_config.json. Nothing is downloaded. Never commit the output.

    /tmp/ref/bin/python tools/bench/make_gpt2_small.py [OUT_DIR]   # default /tmp/maltese-bench/gpt2-small
"""

import sys
from pathlib import Path

import torch
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

SEED = 1234


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/maltese-bench/gpt2-small")
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    config = GPT2Config(n_layer=12, n_embd=768, n_head=12, vocab_size=50257, n_positions=1024,
                        activation_function="gelu_new", bos_token_id=50256, eos_token_id=50256)
    model = GPT2LMHeadModel(config).to(torch.float32).eval()
    # GPT-2's init (std 0.02) gives near-uniform logits; that is fine for timing, and greedy
    # ids are still a deterministic function of the seed.
    model.save_pretrained(out, safe_serialization=True)
    GenerationConfig(bos_token_id=50256, eos_token_id=50256).save_pretrained(out)
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"wrote {out} ({size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
