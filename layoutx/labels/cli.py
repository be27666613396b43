"""`python -m layoutx weak-labels`: match a challenge CSV's values to OCR words and build the dataset.

Two modes:

* ``--csv FILE --images DIR --out DIR``: OCR (cached) every image, weak-label each row, save the
  DatasetDict split by image, and report the match rate.
* ``--ocr-text FILE``: a text-level measurement on rows that already carry OCR text without boxes
  (``ocr_text`` column, e.g. extras/ocr/train_easyocr_text.csv): words are the whitespace-split text with
  dummy boxes; nothing is saved unless ``--out`` is given (then a JSON-lines file of the tags).

The last line is JSON: {"rows", "matched", "rate", "per_entity": {name: {"rows", "rate"}}, ...}.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.core.units import ENTITIES
from layoutx.errors import InputFileError
from layoutx.labels.dataset import REQUIRED_COLUMNS, UNKNOWN_ENTITY, BuildStats, build
from layoutx.labels.match import match, text_words


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", help="challenge-format CSV (image_link, group_id, entity_name, entity_value)")
    parser.add_argument("--images", help="folder holding the CSV's images (as written by `layoutx download`)")
    parser.add_argument("--out", help="output folder for the dataset (save_to_disk)")
    parser.add_argument("--report", action="store_true", help="print the per-entity table and unmatched reasons")
    parser.add_argument("--engine", default=None, help="OCR engine name (default: the pipeline's default)")
    parser.add_argument("--cache", default=None, help="OCR cache folder (default: $LAYOUTX_CACHE or ~/.cache/layoutx)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="share of images in validation")
    parser.add_argument("--seed", type=int, default=0, help="seed of the image split")
    parser.add_argument("--workers", type=int, default=None, help="OCR worker processes")
    parser.add_argument("--ocr-text", metavar="FILE",
                        help="text-only mode: CSV with an ocr_text column (no boxes); measures the match rate")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if args.ocr_text:
        stats = _text_mode(Path(args.ocr_text), Path(args.out) if args.out else None)
        kind = "text-level (whitespace-split OCR text, no boxes)"
    else:
        missing = [f"--{k}" for k in ("csv", "images", "out") if not getattr(args, k)]
        if missing:
            raise InputFileError(f"missing {', '.join(missing)} (or use --ocr-text FILE for the text-only mode)")
        if not Path(args.images).is_dir():
            raise InputFileError(f"{args.images}: no such folder")
        _, stats = build(args.csv, args.images, args.out, engine=args.engine, cache_dir=args.cache,
                         val_fraction=args.val_fraction, seed=args.seed, workers=args.workers,
                         progress=not args.no_progress)
        kind = f"dataset saved to {args.out}"
    _print_report(stats, kind, detailed=args.report)
    return 0


def _text_mode(path: Path, out: Path | None) -> BuildStats:
    rows = read_csv(path, required=(*REQUIRED_COLUMNS, "ocr_text"))
    stats = BuildStats()
    records = []
    for n, row in enumerate(rows):
        entity = row["entity_name"]
        if entity not in ENTITIES:
            stats.add(entity, False, UNKNOWN_ENTITY)
            continue
        res = match(text_words(row["ocr_text"]), row["entity_value"], entity)
        stats.add(entity, res.matched, res.reason, res.confusion)
        if out is not None:
            records.append({"row": n, "entity_name": entity, "entity_value": row["entity_value"],
                            "matched": res.matched, "words": [w.text for w in res.words], "tags": res.tags})
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with (out / "text_matches.jsonl").open("w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
    return stats


def _print_report(stats: BuildStats, kind: str, detailed: bool) -> None:
    js = stats.to_json()
    print(f"weak labels: {js['matched']}/{js['rows']} rows matched ({js['rate']:.1%}); {kind}")
    if detailed:
        print_table(("entity", "rows", "matched", "rate"),
                    [(name, n, m, m / n if n else 0.0)
                     for name, (n, m) in sorted(stats.per_entity.items(), key=lambda kv: -kv[1][0])])
        if stats.reasons:
            print_table(("unmatched reason", "rows"), stats.reasons.most_common())
    print_json(js)
