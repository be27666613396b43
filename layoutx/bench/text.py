"""Text-level F1 on real OCR text: rules alone vs the model, on rows that carry OCR text but no boxes.

`python -m layoutx bench text --ocr-text ../shared/data/amazon-ml-2024/extras/ocr/train_easyocr_text.csv
[--model latest]` reads each row's OCR text (real EasyOCR output of real product images), turns it into
words with a dummy layout (``layoutx.labels.match.text_ocr``: lines of 60 characters), decodes it with the rule-based
fallback alone and, with --model, with the model (model alone and with fallback), and scores each against
the row's gold with the challenge metric. Layout is lost in this text, so this measures how well the
number/unit reading transfers to real OCR output, not the layout model; it is no substitute for real images.
``--heldout F`` scores only the images a ``data=ocr_text`` training run held out (same hash split).
``ceiling`` is the share of rows whose gold value and unit can be found in the text at all.
"""

from __future__ import annotations

import argparse
import time

from layoutx.core.metric import score
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.labels.dataset import HELDOUT, text_split
from layoutx.labels.match import covers, text_ocr


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ocr-text", required=True, help="CSV with entity_name,entity_value,ocr_text columns")
    p.add_argument("--model", help="an exported model dir, or 'latest' for models/latest (default: rules only)")
    p.add_argument("--limit", type=int, help="only the first N rows")
    p.add_argument("--heldout", type=float, default=None,
                   help="score only the held-out images of a data=ocr_text training run (its heldout_fraction)")
    p.add_argument("--split-seed", type=int, default=0, help="that run's data.split_seed")


def run(args: argparse.Namespace) -> int:
    from layoutx.extractor import Extractor

    required = ("entity_name", "entity_value", "ocr_text") + (("image_link",) if args.heldout is not None else ())
    rows = read_csv(args.ocr_text, required=required)
    if args.heldout is not None:
        rows = [r for r in rows if text_split(r["image_link"], args.heldout, 0.0, args.split_seed) == HELDOUT]
    rows = rows[: args.limit]
    items = [(text_ocr(r["ocr_text"]), r["entity_name"], None) for r in rows]
    systems: dict[str, Extractor] = {"rules": Extractor.rules()}
    if args.model:
        path = None if args.model == "latest" else args.model
        systems["model+fallback"] = Extractor.from_pretrained(path, fallback=True)
        systems["model only"] = Extractor.from_pretrained(path, fallback=False)
    out: dict = {"rows": len(rows)}
    out["ceiling"] = round(sum(covers(list(o.words), r["entity_value"], e) for (o, e, _), r in zip(items, rows))
                           / max(len(rows), 1), 6)
    table = []
    for name, ex in systems.items():
        start = time.perf_counter()
        preds = ex.predict_ocr(items)
        s = score((r["entity_name"], r["entity_value"], p.text) for r, p in zip(rows, preds))
        out[name] = {**s.to_json(), "seconds": round(time.perf_counter() - start, 2)}
        table.append((name, s.numeric.f1, s.numeric.precision, s.numeric.recall, s.strict.f1))
    print_table(["system", "f1", "precision", "recall", "f1_strict"], table)
    print(f"gold value+unit present in the text: {out['ceiling']:.4f} of {len(rows)} rows (text level, no layout)")
    print_json(out)
    return 0
