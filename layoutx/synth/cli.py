"""`python -m layoutx synth --n N --seed S --out DIR`: write a labeled synthetic set."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tqdm import tqdm

from layoutx.core.tables import print_json, print_table
from layoutx.errors import LayoutxError
from layoutx.synth.fonts import families
from layoutx.synth.generator import generate, summarize


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=100, help="number of images (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed writes the same bytes")
    parser.add_argument("--out", type=Path, required=True, help="output folder (images/, labels.csv, answers.jsonl)")
    parser.add_argument("--workers", type=int, default=1, help="render in this many processes (same bytes)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise LayoutxError(f"--n must be at least 1, got {args.n}")
    if args.out.exists() and not args.out.is_dir():
        raise LayoutxError(f"--out {args.out} exists and is not a folder")
    t0 = time.perf_counter()
    with tqdm(total=args.n, unit="img", disable=args.no_progress, desc="synth") as bar:
        generate(args.n, args.seed, args.out, progress=bar.update, workers=max(1, args.workers))
    seconds = time.perf_counter() - t0
    per_entity = summarize(args.out)
    total = sum(per_entity.values())
    print_table(["entity", "rows", "share"], [(k, v, f"{v / total:.3f}") for k, v in per_entity.items()])
    print_json({
        "n": args.n, "seed": args.seed, "out": str(args.out), "rows": sum(per_entity.values()),
        "per_entity": per_entity, "fonts": families(), "seconds": round(seconds, 2),
        "images_per_s": round(args.n / seconds, 2) if seconds > 0 else None,
    })
    return 0
