"""Text-level F1 on real OCR text: rules alone vs the model, on rows that carry OCR text but no boxes.

`python -m layoutx bench text --ocr-text ../shared/data/amazon-ml-2024/extras/ocr/train_easyocr_text.csv
[--model latest]` reads each row's OCR text (real EasyOCR output of real product images), turns it into
one line of words with dummy boxes (``layoutx.labels.match.text_words``), decodes it with the rule-based
fallback alone and, with --model, with the model (model alone and with fallback), and scores each against
the row's gold with the challenge metric. Layout is lost in this text, so this measures how well the
number/unit reading transfers to real OCR output, not the layout model; it is no substitute for real images.
``ceiling`` is the share of rows whose gold value and unit can be found in the text at all.
"""

from __future__ import annotations

import argparse
import time

from layoutx.core.metric import score
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.labels.match import covers, text_words
from layoutx.ocr.types import OcrResult


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ocr-text", required=True, help="CSV with entity_name,entity_value,ocr_text columns")
    p.add_argument("--model", help="an exported model dir, or 'latest' for models/latest (default: rules only)")
    p.add_argument("--limit", type=int, help="only the first N rows")


def _ocr(text: str) -> OcrResult:
    words = tuple(text_words(text))
    width = int(max((w.box[2] for w in words), default=1.0)) or 1
    return OcrResult(words, width, 20, "text")


def run(args: argparse.Namespace) -> int:
    from layoutx.extractor import Extractor

    rows = read_csv(args.ocr_text, required=("entity_name", "entity_value", "ocr_text"))[: args.limit]
    items = [(_ocr(r["ocr_text"]), r["entity_name"], None) for r in rows]
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
