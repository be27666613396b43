"""Training throughput of the tiny preset with and without visual patch embeddings (tokens/s, samples/s).

Same inputs for both variants in one run: rows of ``--words`` OCR-like words with boxes (fixed seed), the
tiny tokenizer trained on them, AdamW steps of ``--batch-size`` rows. Text tokens count the entity prompt,
specials and word sub-tokens (not padding); the visual variant also attends over 197 patch tokens per row.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from typing import Any

# as in train.py: OpenMP threads that busy-wait collapse when the cores are shared (effective only before torch loads)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", type=int, default=10, help="timed optimisation steps per variant (after 2 warm-up)")
    p.add_argument("--batch-size", type=int, default=16, help="rows per step")
    p.add_argument("--words", type=int, default=40, help="OCR words per row")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic rows and the model init")


def _rows(n: int, words: int, seed: int) -> list[tuple[list[str], list[list[int]], str, Any]]:
    from PIL import Image

    from layoutx.core.units import ENTITIES

    rnd = random.Random(seed)
    vocab = ["Net", "Wt", "Weight", "Width", "Height", "Premium", "Quality", "Made", "in", "USA", "cm", "kg", "g",
             "mm", "V", "W", "lbs", "oz", "ml", "Organic", "Fresh", "Model", "Pack", "of", "Max", "Load"]
    rows = []
    for _ in range(n):
        ws = [rnd.choice(vocab) if rnd.random() < 0.7 else f"{rnd.randint(1, 999)}" for _ in range(words)]
        boxes = []
        for i in range(words):
            x, y = (i % 8) * 120 + rnd.randint(0, 10), (i // 8) * 60 + rnd.randint(0, 10)
            boxes.append([x, y, min(1000, x + 100), min(1000, y + 40)])
        img = Image.new("RGB", (640, 480), tuple(rnd.randint(0, 255) for _ in range(3)))
        rows.append((ws, boxes, rnd.choice(ENTITIES), img))
    return rows


def measure(visual: bool, rows: list, steps: int, batch_size: int, seed: int) -> dict[str, Any]:
    import torch

    from layoutx.models.encoding import encode_batch
    from layoutx.models.presets import build_model

    torch.manual_seed(seed)
    model, tok = build_model({"name": "tiny", "visual_embed": visual}, (w for r in rows for w in r[0]))
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    batches = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        batch, _ = encode_batch(tok, chunk, tags=[[0] * len(r[0]) for r in chunk], visual=visual)
        batches.append(batch)
    tokens = samples = 0
    elapsed = 0.0
    for step in range(steps + 2):
        batch = batches[step % len(batches)]
        t0 = time.perf_counter()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        if step >= 2:  # warm-up steps are not timed
            elapsed += time.perf_counter() - t0
            tokens += int(batch["attention_mask"].sum())
            samples += int(batch["input_ids"].shape[0])
    return {
        "visual_embed": visual, "steps": steps, "samples": samples, "text_tokens": tokens,
        "seconds": round(elapsed, 3), "samples_per_s": round(samples / elapsed, 2),
        "tokens_per_s": round(tokens / elapsed, 1), "params": sum(p.numel() for p in model.parameters()),
    }


def run(args: argparse.Namespace) -> int:
    import torch

    from layoutx.core.tables import print_json, print_table

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = _rows(args.batch_size * 4, args.words, args.seed)
    results = [measure(v, rows, args.steps, args.batch_size, args.seed) for v in (False, True)]
    cols = ["visual_embed", "samples_per_s", "tokens_per_s", "seconds", "steps", "params"]
    print_table(cols, [[r[c] for c in cols] for r in results])
    slow = results[0]["samples_per_s"] / results[1]["samples_per_s"] if results[1]["samples_per_s"] else None
    print_json({"bench": "train", "preset": "tiny", "threads": torch.get_num_threads(),
                      "batch_size": args.batch_size, "words_per_row": args.words, "results": results,
                      "text_only_speedup": round(slow, 2) if slow else None})
    return 0
