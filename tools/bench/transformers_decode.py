#!/usr/bin/env python3
"""Decode speed of Hugging Face transformers on the benchmark model (the reference side).

Loads the folder written by make_gpt2_small.py (eager attention, float32), feeds a prompt of 32
fixed token ids, generates 128 new tokens greedily with EOS ignored, once to warm up and then
--runs timed times. Decode tokens/s excludes the prefill, as DecodeBenchmark.java measures it: a
streamer stamps each new token, and decode = (new tokens - 1) / (last stamp - first stamp), since
the first new token comes out of the prefill. Prefill is timed as a separate forward pass of the
prompt.

    /tmp/ref/bin/python tools/bench/transformers_decode.py [--model DIR] [--threads N] [--runs R]

Prints one line per figure as "key=value" (parsed by run.sh).
"""

import argparse
import resource
import time

import torch
from transformers import GPT2LMHeadModel

PROMPT_LEN = 32
NEW_TOKENS = 128


class Stamps:
    """A generate() streamer that only records when each new token arrives."""

    def __init__(self):
        self.times = []
        self.prompt_seen = False

    def put(self, value):
        if not self.prompt_seen:  # the first call carries the prompt
            self.prompt_seen = True
            return
        self.times.append(time.perf_counter())

    def end(self):
        pass


def prompt_ids(vocab: int) -> list:
    # The same fixed ids as DecodeBenchmark.java: (i * 7919 + 13) % vocab.
    return [(i * 7919 + 13) % vocab for i in range(PROMPT_LEN)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/tmp/maltese-bench/gpt2-small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    t0 = time.perf_counter()
    model = GPT2LMHeadModel.from_pretrained(args.model, dtype=torch.float32,
                                            attn_implementation="eager").eval()
    load_s = time.perf_counter() - t0

    ids = torch.tensor([prompt_ids(model.config.vocab_size)], dtype=torch.long)
    mask = torch.ones_like(ids)
    kwargs = dict(attention_mask=mask, do_sample=False, min_new_tokens=NEW_TOKENS, max_new_tokens=NEW_TOKENS,
                  eos_token_id=None, pad_token_id=0, num_beams=1, use_cache=True)

    with torch.inference_mode():
        model.generate(ids, **kwargs)  # warm-up
        best_tps, best_prefill, last = 0.0, float("inf"), None
        for _ in range(args.runs):
            t = time.perf_counter()
            model(ids, attention_mask=mask, use_cache=True)
            prefill = time.perf_counter() - t
            stamps = Stamps()
            t = time.perf_counter()
            out = model.generate(ids, streamer=stamps, **kwargs)
            total = time.perf_counter() - t
            new = out.shape[1] - ids.shape[1]
            assert new == NEW_TOKENS == len(stamps.times), (new, len(stamps.times))
            tps = (new - 1) / (stamps.times[-1] - stamps.times[0])
            best_tps = max(best_tps, tps)
            best_prefill = min(best_prefill, prefill)
            last = out[0, PROMPT_LEN:PROMPT_LEN + 8].tolist()
            print(f"run decode_tps={tps:.2f} prefill_ms={prefill * 1e3:.1f} total_s={total:.2f}", flush=True)

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kB
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    print(f"side=transformers threads={args.threads} torch={torch.__version__}")
    print(f"decode_tps={best_tps:.2f}")
    print(f"prefill_ms={best_prefill * 1e3:.1f}")
    print(f"load_s={load_s:.2f}")
    print(f"peak_rss_mb={peak_kb / 1024:.0f}")
    print(f"weight_bytes={weight_bytes}")
    print(f"first_ids={last}")


if __name__ == "__main__":
    main()
