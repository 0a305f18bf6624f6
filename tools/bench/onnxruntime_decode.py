#!/usr/bin/env python3
"""Reference side of the ONNX benchmark: ONNX Runtime's Python API drives the same exported graph
with the same protocol as OnnxDecodeBenchmark (32 fixed prompt ids, 128 greedy new tokens, no
end-of-sequence, a warm-up then timed runs; decode tokens/s = 127 / (last new token - first)).
It shows what the runtime does on its own, without our Java loop. Prints "key=value" lines.

    /tmp/ref/bin/python tools/bench/onnxruntime_decode.py --model DIR [--runs N] [--threads N]
"""

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import onnxruntime

PROMPT_LEN, NEW_TOKENS = 32, 128


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=Path("/tmp/maltese-bench/gpt2-small-onnx"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: runtime default)")
    args = parser.parse_args()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = args.threads
    t0 = time.perf_counter()
    session = onnxruntime.InferenceSession(str(args.model / "model.onnx"), options, providers=["CPUExecutionProvider"])
    load_s = time.perf_counter() - t0
    pasts = [i for i in session.get_inputs() if i.name.startswith("past_key_values.")]
    names = {i.name for i in session.get_inputs()}

    def step(tokens, past):
        done = past[0].shape[2]
        feed = {"input_ids": np.array([tokens], dtype=np.int64)}
        if "attention_mask" in names:
            feed["attention_mask"] = np.ones((1, done + len(tokens)), dtype=np.int64)
        if "position_ids" in names:
            feed["position_ids"] = np.arange(done, done + len(tokens), dtype=np.int64)[None, :]
        feed.update({i.name: p for i, p in zip(pasts, past)})
        logits, *present = session.run(None, feed)
        return logits[0, -1], present

    def empty():
        return [np.zeros((1, i.shape[1], 0, i.shape[3]), dtype=np.float32) for i in pasts]

    vocab = step([0], empty())[0].shape[0]
    prompt = [(i * 7919 + 13) % vocab for i in range(PROMPT_LEN)]

    def decode():
        stamps, ids = [], []
        logits, past = step(prompt, empty())
        while len(ids) < NEW_TOKENS:
            ids.append(int(np.argmax(logits)))
            stamps.append(time.perf_counter())
            if len(ids) < NEW_TOKENS:
                logits, past = step([ids[-1]], past)
        return (NEW_TOKENS - 1) / (stamps[-1] - stamps[0]), ids

    decode()
    best, best_prefill, ids = 0.0, float("inf"), None
    for _ in range(args.runs):
        t = time.perf_counter()
        step(prompt, empty())
        prefill = time.perf_counter() - t
        tps, ids = decode()
        print(f"run decode_tps={tps:.2f} prefill_ms={prefill * 1e3:.1f}")
        best, best_prefill = max(best, tps), min(best_prefill, prefill)
    print("side=onnxruntime-python")
    print(f"decode_tps={best:.2f}")
    print(f"prefill_ms={best_prefill * 1e3:.1f}")
    print(f"load_s={load_s:.2f}")
    print(f"peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}")
    print(f"first_ids={ids[:8]}")


if __name__ == "__main__":
    main()
