"""`report --pred PRED.csv --input INPUT.csv --images DIR --out DIR [--gold GOLD.csv]`: why did it answer that?

Per row, one PNG: the image with every OCR word (thin grey box), the words the model tagged VALUE (blue)
and UNIT (green), the words the answer was read from (red), and a banner with the entity, the predicted
answer, the gold answer and the outcome. ``index.html`` lists the rows wrong answers first (FP, then FN,
then the rest) with their pictures.

Where words and tags come from: the report does not need a sidecar from predict.py. It re-reads each
image's OCR from the OCR cache (the same engine => no new OCR work after a prediction run) and re-runs
the tagger (``--model``, default models/latest when it exists, else the shipped model, or ``--rules`` for the rule-based
baseline) to get the per-word tags. The answer shown is the one in PRED.csv; when re-decoding gives a
different answer (another model, other settings) both are shown.
"""

from __future__ import annotations

import argparse
import html
import json
from pathlib import Path
from typing import Any

from layoutx.core.metric import row_outcome
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.core.units import ENTITIES
from layoutx.decode import Prediction
from layoutx.errors import ImageError, LayoutxError, ModelNotFoundError

MAX_WIDTH = 1000  # PNGs are scaled down to this width (readable, small files)
GREY, BLUE, GREEN, RED = (150, 150, 150), (30, 90, 230), (20, 160, 60), (220, 30, 30)
OUTCOME_ORDER = {"FP": 0, "FN": 1, "TN": 2, "TP": 3, "": 4}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pred", required=True, help="predictions CSV (index,prediction)")
    p.add_argument("--input", required=True, help="the input CSV (index,image_link,group_id,entity_name)")
    p.add_argument("--images", required=True, help="images folder (file = last component of image_link)")
    p.add_argument("--out", required=True, help="output folder for index.html and rows/*.png")
    p.add_argument("--gold", help="CSV with index,entity_value (e.g. the input when it has entity_value)")
    p.add_argument("--model", help="model dir for the tags (default: models/latest when it exists, else the shipped model)")
    p.add_argument("--rules", action="store_true", help="no model: show the rule-based fallback's words")
    p.add_argument("--ocr", help="OCR engine (default: the model's, else the default engine)")
    p.add_argument("--cache-dir", help="OCR cache (default: $LAYOUTX_CACHE or ~/.cache/layoutx)")
    p.add_argument("--limit", type=int, help="draw only the first N rows")


def _extractor(args: argparse.Namespace) -> Any:
    from layoutx.extractor import Extractor

    if args.rules:
        return Extractor.rules(ocr=args.ocr, cache_dir=args.cache_dir)
    try:
        return Extractor.from_pretrained(args.model, ocr=args.ocr, cache_dir=args.cache_dir)
    except ModelNotFoundError:
        if args.model:
            raise
        print("no model found: drawing the rule-based fallback's words (pass --model DIR for model tags)")
        return Extractor.rules(ocr=args.ocr, cache_dir=args.cache_dir)


def draw_row(image: Any, words: list, pred: Prediction, banner: list[tuple[str, tuple[int, int, int]]]) -> Any:
    """The annotated picture of one row (PIL image)."""
    from PIL import Image, ImageDraw

    img = image.convert("RGB")
    scale = min(1.0, MAX_WIDTH / max(img.width, 1))
    if scale < 1.0:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    font = _font(14)
    line_h = 20
    canvas = Image.new("RGB", (max(img.width, 480), img.height + line_h * len(banner) + 8), (255, 255, 255))
    canvas.paste(img, (0, line_h * len(banner) + 8))
    d = ImageDraw.Draw(canvas)
    y0 = line_h * len(banner) + 8
    answer = set(pred.word_indices)
    for i, w in enumerate(words):
        x0, y_0, x1, y_1 = (v * scale for v in w.box)
        box = [x0, y_0 + y0, max(x1, x0 + 1), max(y_1, y_0 + 1) + y0]
        tag = pred.tags[i] if i < len(pred.tags) else "O"
        if tag.endswith("VALUE"):
            d.rectangle(box, outline=BLUE, width=3)
        elif tag.endswith("UNIT"):
            d.rectangle(box, outline=GREEN, width=3)
        else:
            d.rectangle(box, outline=GREY, width=1)
        if i in answer:
            d.rectangle([box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3], outline=RED, width=2)
    for k, (text, color) in enumerate(banner):
        d.text((4, 4 + k * line_h), text, fill=color, font=font)
    return canvas


def placeholder(message: str, banner: list[tuple[str, tuple[int, int, int]]]) -> Any:
    """A picture for a row whose image cannot be drawn (missing, corrupt, unknown entity)."""
    from PIL import Image, ImageDraw

    font = _font(14)
    img = Image.new("RGB", (640, 40 + 20 * len(banner)), (245, 245, 245))
    d = ImageDraw.Draw(img)
    for k, (text, color) in enumerate(banner):
        d.text((4, 4 + k * 20), text, fill=color, font=font)
    d.text((4, 10 + 20 * len(banner)), message, fill=RED, font=font)
    return img


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def build_report(pred_path: str | Path, input_path: str | Path, images_dir: str | Path, out_dir: str | Path,
                 gold_path: str | Path | None = None, extractor: Any = None, limit: int | None = None) -> dict:
    """Write out_dir/rows/<index>.png per row and out_dir/index.html; returns the summary."""
    from layoutx.extractor import prepare_words
    from layoutx.io.images import load_image, local_path_for_link

    if extractor is None:
        from layoutx.extractor import Extractor

        extractor = Extractor.rules()
    rows = read_csv(input_path, required=("index", "image_link", "entity_name"))
    preds = {r["index"]: r["prediction"] for r in read_csv(pred_path, required=("index", "prediction"))}
    gold = ({r["index"]: r["entity_value"] for r in read_csv(gold_path, required=("index", "entity_value"))}
            if gold_path else None)
    if limit is not None:
        rows = rows[:limit]
    out = Path(out_dir)
    (out / "rows").mkdir(parents=True, exist_ok=True)
    images_dir = Path(images_dir)
    entries = []
    for r in rows:
        idx, entity = r["index"], r["entity_name"]
        pred_text = preds.get(idx, "")
        gold_text = gold.get(idx) if gold is not None else None
        outcome = row_outcome(gold_text, pred_text) if gold is not None else ""
        banner = [(f"#{idx}  {entity}", (0, 0, 0)),
                  (f"predicted: {pred_text or '(empty)'}", RED if outcome in ("FP", "FN") else (0, 0, 0))]
        if gold is not None:
            banner.append((f"gold: {gold_text or '(empty)'}   [{outcome}]", GREEN if outcome in ("TP", "TN") else RED))
        png = out / "rows" / f"{_safe(idx)}.png"
        note, redecoded = "", ""
        path = local_path_for_link(r["image_link"], images_dir) if r["image_link"] else None
        try:
            if entity not in ENTITIES:
                raise _Skip(f"unknown entity {entity!r}")
            if path is None or not path.is_file():
                raise _Skip(f"missing image {path}")
            ocr = extractor.second_pass([path], [entity], [extractor.ocr_image(path)])[0]
            decoded = extractor.predict_ocr([(ocr, entity, path if extractor.needs_image else None)])[0]
            redecoded = decoded.text
            words, _ = prepare_words(ocr)
            if redecoded != pred_text:
                banner.append((f"re-decoded now: {redecoded or '(empty)'} ({decoded.source})", (120, 120, 120)))
            draw_row(load_image(path), words, decoded, banner).save(png)
        except (_Skip, ImageError) as exc:
            note = str(exc)
            placeholder(note, banner).save(png)
        entries.append({"index": idx, "entity": entity, "prediction": pred_text, "gold": gold_text,
                        "outcome": outcome, "redecoded": redecoded, "note": note, "png": f"rows/{png.name}"})
    entries.sort(key=lambda e: (OUTCOME_ORDER.get(e["outcome"], 4), e["prediction"] != "" if not e["outcome"] else 0))
    _write_html(out / "index.html", entries, gold is not None)
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["outcome"] or "no_gold"] = counts.get(e["outcome"] or "no_gold", 0) + 1
    return {"rows": len(entries), "pngs": len(entries), "outcomes": counts, "index_html": str(out / "index.html")}


class _Skip(Exception):
    pass


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "row"


def _write_html(path: Path, entries: list[dict], has_gold: bool) -> None:
    head = "<tr><th>index</th><th>entity</th><th>predicted</th>" + (
        "<th>gold</th><th>outcome</th>" if has_gold else "") + "<th>note</th><th>image</th></tr>"
    body = []
    for e in entries:
        cells = [e["index"], e["entity"], e["prediction"] or "(empty)"]
        if has_gold:
            cells += [e["gold"] or "(empty)", e["outcome"]]
        cells.append(e["note"] or (f"re-decoded: {e['redecoded']}" if e["redecoded"] != e["prediction"] else ""))
        tds = "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
        src = html.escape(e["png"])
        cls = ' class="wrong"' if e["outcome"] in ("FP", "FN") else ""
        body.append(f'<tr{cls}>{tds}<td><a href="{src}"><img src="{src}" width="320" loading="lazy"></a></td></tr>')
    doc = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>layoutx report</title>
<style>body{{font-family:sans-serif}} td,th{{border-bottom:1px solid #ddd;padding:4px;vertical-align:top}}
tr.wrong td{{background:#fff0f0}}</style></head><body>
<h1>layoutx report ({len(entries)} rows{', wrong answers first' if has_gold else ', empty answers first'})</h1>
<p>Boxes: grey = OCR word, blue = tagged VALUE, green = tagged UNIT, red = words the answer was read from.</p>
<table>{head}
{chr(10).join(body)}
</table></body></html>
"""
    path.write_text(doc, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    for p in (args.pred, args.input):
        if not Path(p).is_file():
            raise LayoutxError(f"{p}: no such file")
    if not Path(args.images).is_dir():
        raise LayoutxError(f"{args.images}: not a directory")
    summary = build_report(args.pred, args.input, args.images, args.out, args.gold, _extractor(args), args.limit)
    print_table(["outcome", "rows"], sorted(summary["outcomes"].items()))
    print(f"wrote {summary['pngs']} PNGs and {summary['index_html']}")
    print_json(json.loads(json.dumps(summary)))
    return 0
