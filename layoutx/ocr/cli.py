"""`python -m layoutx ocr --csv FILE.csv --images DIR`: fill the OCR cache for every image of a CSV."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.errors import ImageError, InputFileError


def add_arguments(p: argparse.ArgumentParser) -> None:
    from layoutx.ocr.pipeline import DEFAULT_ENGINE, ENGINES

    p.add_argument("--csv", required=True, help="challenge CSV with an image_link column")
    p.add_argument("--images", required=True, help="folder of downloaded images (file name = last part of link)")
    p.add_argument("--engine", default=DEFAULT_ENGINE, choices=sorted(ENGINES), help=f"default {DEFAULT_ENGINE}")
    p.add_argument("--cache", default=None, help="cache folder (default $LAYOUTX_CACHE or ~/.cache/layoutx)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.add_argument("--max-side", type=int, default=None, help="downscale longer side to this before OCR")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from layoutx.io.images import local_path_for_link
    from layoutx.ocr.pipeline import ocr_paths

    rows = read_csv(args.csv, required=["image_link"])
    images = Path(args.images)
    if not images.is_dir():
        raise InputFileError(f"{images}: no such folder")
    if args.workers is not None and args.workers < 1:
        raise InputFileError("--workers must be >= 1")
    paths = list(dict.fromkeys(str(local_path_for_link(r["image_link"], images)) for r in rows if r["image_link"]))
    settings = {} if args.max_side is None else {"max_side": args.max_side}
    stats: dict = {}
    results = ocr_paths(
        paths,
        engine=args.engine,
        cache_dir=args.cache,
        workers=args.workers,
        progress=not args.no_progress,
        stats=stats,
        **settings,
    )
    from layoutx.ocr.cache import OcrCache
    from layoutx.ocr.pipeline import default_cache_dir

    cache = OcrCache(args.cache or default_cache_dir())
    if len(cache.shards()) > 256:  # many small shards slow down the next lookup; merge them (no writer runs now)
        cache.compact()
    reasons = Counter(r.reason.split(":")[0] for r in results.values() if isinstance(r, ImageError))
    if reasons:
        print("failed images by reason:")
        print_table(["reason", "images"], reasons.most_common())
    words = sum(len(r.words) for r in results.values() if not isinstance(r, ImageError))
    print_table(
        ["rows", "images", "ocr_done", "cache_hits", "failed", "words", "workers", "seconds"],
        [(len(rows), stats["images"], stats["ocr_done"], stats["cache_hits"], stats["failed"], words,
          stats["workers"], stats["seconds"])],
    )
    print_json({k: stats[k] for k in ("images", "ocr_done", "cache_hits", "failed", "seconds")})
    return 0
