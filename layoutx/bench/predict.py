"""Peak memory and speed of `predict.py` over a test-sized CSV (cached OCR), small run vs full run.

`python -m layoutx bench predict --rows 131187` writes a synthetic CSV of that many rows pointing at a
handful of synthetic images (reused many times, so every OCR after the first is a cache hit), runs
``run_prediction`` in a fresh process for a small CSV and for the full one, and reports each run's peak
RSS: flat memory means the full run's peak is about the small run's. The rule-based decoder is used
unless --model is given (model inference on CPU would dominate the time, not the memory).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from layoutx.bench import workdir
from layoutx.core.tables import print_json, print_table

_CHILD = r"""
import json, resource, sys, time
from layoutx.predict import run_prediction
cfg = json.loads(sys.argv[1])
t = time.perf_counter()
summary = run_prediction(cfg)
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1), "seconds": round(time.perf_counter() - t, 2),
                  "rows": summary["rows"], "answered": summary["answered"], "failures": summary["failures"]}))
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rows", type=int, default=131187, help="rows of the full CSV (the official test has 131,187)")
    p.add_argument("--small-rows", type=int, default=2000, help="rows of the comparison run")
    p.add_argument("--images", type=int, default=8, help="distinct images the rows cycle through")
    p.add_argument("--model", help="an exported model dir, or 'latest' for models/latest (default: rules only)")
    p.add_argument("--ocr", help="OCR engine (default: the pipeline's default)")
    p.add_argument("--chunk-size", type=int, default=256)
    p.add_argument("--workdir", help="keep the CSVs, images and OCR cache here (default: a temporary dir)")


def _source_images(n: int, work: Path) -> list[Path]:
    """n synthetic product images: the committed sample's, topped up by the generator."""
    from layoutx.synth import generate, sample_dir

    found = sorted((Path(sample_dir()) / "images").glob("*.jpg"))[:n]
    if len(found) < n:
        gen = generate(n - len(found), seed=123, out_dir=work / "gen")
        found += sorted((Path(gen) / "images").glob("*.jpg"))[: n - len(found)]
    return found


def write_csv(path: Path, rows: int, names: list[str]) -> None:
    """A test.csv-format file cycling through the images and the entities."""
    from layoutx.core.units import ENTITIES

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "image_link", "group_id", "entity_name"])
        for i in range(rows):
            name = names[i % len(names)]
            w.writerow([i, f"https://bench.invalid/images/{name}", 100000 + i % 7, ENTITIES[i % len(ENTITIES)]])


def _child(cfg: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(cfg)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"prediction run failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> int:
    if args.model == "latest":
        from layoutx.models.export import resolve_model_dir

        args.model = str(resolve_model_dir(None))
    with workdir(args.workdir, "layoutx-bench-predict-") as work:
        images = work / "images"
        images.mkdir(exist_ok=True)
        names = []
        for k, src in enumerate(_source_images(args.images, work)):
            name = f"bench{k:03d}{src.suffix}"
            shutil.copyfile(src, images / name)
            names.append(name)
        base = {"images_dir": str(images), "cache_dir": str(work / "cache"), "rules_only": args.model is None,
                "model_path": args.model, "ocr": args.ocr, "chunk_size": args.chunk_size, "progress": False,
                "resume": False}
        # warm the OCR cache so both measured runs read cached OCR only
        warm = work / "warm.csv"
        write_csv(warm, len(names), names)
        t = time.perf_counter()
        _child({**base, "input": str(warm), "output": str(work / "warm_pred.csv")})
        warm_s = time.perf_counter() - t
        results = {}
        for label, n in (("small", min(args.small_rows, args.rows)), ("full", args.rows)):
            csv_path = work / f"{label}.csv"
            write_csv(csv_path, n, names)
            results[label] = _child({**base, "input": str(csv_path), "output": str(work / f"{label}_pred.csv")})
            results[label]["rows_per_s"] = round(n / max(results[label]["seconds"], 1e-9), 1)
        small, full = results["small"], results["full"]
        print_table(["run", "rows", "peak RSS MB", "seconds", "rows/s"],
                    [(k, v["rows"], v["peak_rss_mb"], v["seconds"], v["rows_per_s"]) for k, v in results.items()])
        print(f"OCR cache warm-up ({len(names)} images): {warm_s:.1f} s")
        print_json({
            "rows": full["rows"], "peak_rss_mb": full["peak_rss_mb"], "rows_per_s": full["rows_per_s"],
            "small_rows": small["rows"], "small_peak_rss_mb": small["peak_rss_mb"],
            "rss_growth_mb": round(full["peak_rss_mb"] - small["peak_rss_mb"], 1),
            "under_2gb": full["peak_rss_mb"] < 2048, "model": args.model or "rules", "images": len(names),
            "answered": full["answered"], "seconds": full["seconds"],
        })
        return 0
