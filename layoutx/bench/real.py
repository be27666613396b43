"""Real product photos: rules vs the model on every labelled set under ../shared/data/real (F1, per entity, speed).

`python -m layoutx bench real [--root DIR] [--sets a,b] [--model DIR|latest] [--rules-only | --no-rules]
[--limit N] [--dump DIR] [--report DIR]` scores, on each set (a folder with ``labels.csv`` =
``index,image_link,group_id,entity_name,entity_value`` and ``images/<basename of image_link>``):
``rules`` (``Extractor.rules()``), ``model`` (the tagger with the rule-based fallback) and ``model_only``
(the same run, fallback answers counted as empty). Each image is OCR'd once through the OCR cache and the
same words go to every system, so the systems differ only in decoding. ``rows_per_s`` times prediction
alone; ``rows_per_s_with_ocr`` adds the set's OCR time (mostly cache reads once the cache is warm).
``test-hand-train`` is marked ``"role": "train"``: models are trained on it, so its figures are not a
held-out result. ``--dump`` writes each set's per-row answers; ``--report`` draws the wrong rows of each
set (the model's answers, else the rules') with ``layoutx.report``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from layoutx.bench import key_values
from layoutx.core.metric import row_outcome, score
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.decode import Prediction
from layoutx.errors import ImageError, InputFileError

DEFAULT_ROOT = "../shared/data/real"
TRAIN_SETS = frozenset({"test-hand-train"})  # hand labels used for training: figures there are not held out
LABEL_COLUMNS = ("index", "image_link", "entity_name", "entity_value")
CHUNK = 128  # rows per prediction call: a progress tick, and the tagger sorts by length within it


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default=DEFAULT_ROOT, help=f"folder of labelled sets (default: {DEFAULT_ROOT})")
    p.add_argument("--sets", help="comma-separated set names (default: every folder with labels.csv and images/)")
    p.add_argument("--model", help="an exported model dir, or 'latest' (default: what Extractor.from_pretrained() finds)")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--rules-only", action="store_true", help="no model: score the rules alone")
    only.add_argument("--no-rules", action="store_true", help="score the model only (skip the rules baseline)")
    p.add_argument("--limit", type=int, help="only the first N rows of each set")
    p.add_argument("--ocr-set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one OCR engine setting of the model's (conf/ocr/ENGINE.yaml field, YAML value); "
                        "repeatable")
    p.add_argument("--dump", metavar="DIR", help="write DIR/<set>.csv: index,entity_name,gold,rules,model,model_source,model_only,image_link")
    p.add_argument("--report", metavar="DIR",
                   help="write DIR/<set>/index.html + PNGs of the wrong rows (model answers, else the rules')")


def find_sets(root: str | Path, names: Sequence[str] | None = None) -> list[Path]:
    """The labelled sets under ``root`` (folders holding labels.csv and images/), all or the named ones."""
    base = Path(root)
    if not base.is_dir():
        raise InputFileError(f"{root}: no such directory (the labelled real sets; pass --root DIR)")
    found = {d.name: d for d in sorted(base.iterdir()) if (d / "labels.csv").is_file() and (d / "images").is_dir()}
    if not found:
        raise InputFileError(f"{root}: no labelled set (a folder with labels.csv and images/) in it")
    if not names:
        return list(found.values())
    unknown = [n for n in names if n not in found]
    if unknown:
        raise InputFileError(f"{root}: no labelled set {', '.join(unknown)}; sets: {', '.join(found)}")
    return [found[n] for n in names]


def _predict(ex: Any, items: list[tuple[Any, str, Any]], desc: str) -> tuple[list[Prediction], float]:
    """``ex.predict_ocr`` over items in chunks under a progress bar; returns predictions and seconds."""
    from tqdm import tqdm

    preds: list[Prediction] = []
    start = time.perf_counter()
    with tqdm(total=len(items), unit="row", desc=desc, file=sys.stderr, dynamic_ncols=True) as bar:
        for k in range(0, len(items), CHUNK):
            part = items[k : k + CHUNK]
            preds.extend(ex.predict_ocr(part))
            bar.update(len(part))
    return preds, time.perf_counter() - start


def _system(rows: list[dict[str, str]], texts: Sequence[str], seconds: float, ocr_seconds: float) -> dict:
    """One system's scores on one set, in the bench's JSON form."""
    s = score((r["entity_name"], r["entity_value"], t) for r, t in zip(rows, texts)).to_json()
    n = len(rows)
    return {"f1": s["f1"], "f1_strict": s["f1_strict"], "precision": s["precision"], "recall": s["recall"],
            "per_entity": s["per_entity"], "rows_per_s": round(n / max(seconds, 1e-9), 1),
            "rows_per_s_with_ocr": round(n / max(seconds + ocr_seconds, 1e-9), 1), "seconds": round(seconds, 3)}


def _ocr(ex: Any, paths: list[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
    """OCR every distinct image once through the extractor's engine and cache, with a progress bar."""
    from layoutx.ocr.pipeline import ocr_paths

    target, settings = ex.ocr_target()
    stats: dict[str, Any] = {}
    kwargs: dict[str, Any] = {"engine": target, "progress": True, "stats": stats, **settings}
    if ex.cache_dir is not None:
        kwargs["cache_dir"] = ex.cache_dir
    results = ocr_paths([str(p) for p in paths], **kwargs)
    return results, stats


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def run_set(set_dir: Path, rules: Any, model: Any, limit: int | None = None) -> tuple[dict, list[dict[str, str]], dict]:
    """Score one set: (its JSON entry, its label rows, per-system answer lists incl. the model's Predictions)."""
    from layoutx.extractor import error_prediction
    from layoutx.io.images import local_path_for_link
    from layoutx.ocr.retry import count_retried

    rows = read_csv(set_dir / "labels.csv", required=LABEL_COLUMNS)[:limit]
    images = set_dir / "images"
    paths = [local_path_for_link(r["image_link"], images) for r in rows]
    main = model if model is not None else rules
    ocrs, stats = _ocr(main, paths)
    first = [ocrs.get(str(p)) for p in paths]
    start = time.perf_counter()
    final = main.second_pass(paths, [r["entity_name"] for r in rows], first)  # the small-print retry
    stats.update(retried=count_retried(first, final), retry_seconds=round(time.perf_counter() - start, 3))
    ocr_s = float(stats.get("seconds", 0.0)) + stats["retry_seconds"]
    items: list[tuple[Any, str, Any]] = []
    slots: list[int] = []
    errors: dict[int, str] = {}
    for k, (r, p) in enumerate(zip(rows, paths)):
        res = final[k]
        if res is None or isinstance(res, ImageError):
            errors[k] = res.reason if isinstance(res, ImageError) else "not OCR'd"
            continue
        items.append((res, r["entity_name"], p if main.needs_image else None))
        slots.append(k)

    def full(preds: list[Prediction]) -> list[Prediction]:
        out = [error_prediction(r["entity_name"], errors.get(k, "")) for k, r in enumerate(rows)]
        for k, pred in zip(slots, preds):
            out[k] = pred
        return out

    entry: dict[str, Any] = {"role": "train" if set_dir.name in TRAIN_SETS else "dev", "rows": len(rows),
                             "images": stats.get("images", 0), "image_errors": len(errors),
                             "ocr": {k: stats.get(k) for k in ("cache_hits", "ocr_done", "failed", "seconds", "retried",
                                                               "retry_seconds")}}
    answers: dict[str, list] = {}
    if rules is not None:
        preds, secs = _predict(rules, items, f"{set_dir.name}: rules")
        answers["rules"] = [p.text for p in full(preds)]
        entry["rules"] = _system(rows, answers["rules"], secs, ocr_s)
    if model is not None:
        preds, secs = _predict(model, items, f"{set_dir.name}: model")
        answers["model_preds"] = full(preds)
        answers["model"] = [p.text for p in answers["model_preds"]]
        answers["model_only"] = [p.model_only_text() for p in answers["model_preds"]]
        entry["model"] = _system(rows, answers["model"], secs, ocr_s)
        entry["model_only"] = _system(rows, answers["model_only"], secs, ocr_s)
    return entry, rows, answers


def dump_set(path: Path, rows: list[dict[str, str]], answers: dict) -> None:
    """Per-row answers of every system, for reading the errors."""
    n = len(rows)
    rules = answers.get("rules", [""] * n)
    model = answers.get("model", [""] * n)
    alone = answers.get("model_only", [""] * n)
    sources = [p.source for p in answers["model_preds"]] if "model_preds" in answers else [""] * n
    _write_csv(path, ["index", "entity_name", "gold", "rules", "model", "model_source", "model_only", "image_link"],
               [(r["index"], r["entity_name"], r["entity_value"], rules[k], model[k], sources[k], alone[k],
                 r["image_link"]) for k, r in enumerate(rows)])


def report_set(out: Path, set_dir: Path, rows: list[dict[str, str]], texts: Sequence[str], ex: Any) -> dict:
    """The visual report (``layoutx.report``) of the rows ``texts`` got wrong (FP, then FN)."""
    from layoutx.report import build_report

    wrong = [(r, t) for r, t in zip(rows, texts) if row_outcome(r["entity_value"], t) in ("FP", "FN")]
    out.mkdir(parents=True, exist_ok=True)
    columns = ["index", "image_link", "group_id", "entity_name", "entity_value"]
    _write_csv(out / "errors.csv", columns, [[r.get(c, "") for c in columns] for r, _ in wrong])
    _write_csv(out / "predictions.csv", ["index", "prediction"], [(r["index"], t) for r, t in wrong])
    return build_report(out / "predictions.csv", out / "errors.csv", set_dir / "images", out,
                        gold_path=out / "errors.csv", extractor=ex)


def run(args: argparse.Namespace) -> int:
    from layoutx.extractor import Extractor

    if args.limit is not None and args.limit < 1:
        raise InputFileError(f"--limit must be at least 1, got {args.limit}")
    names = [n.strip() for n in args.sets.split(",") if n.strip()] if args.sets else None
    sets = find_sets(args.root, names)
    model_dir = None if args.model in (None, "latest") else args.model
    model = None if args.rules_only else Extractor.from_pretrained(model_dir, fallback=True)
    ocr = None
    if args.ocr_set:  # the model's (else the default) engine settings with the given ones changed
        name, base = (model if model is not None else Extractor.rules()).ocr_target()
        ocr = {"name": name, **base, **key_values(args.ocr_set, "--ocr-set")}
        if model is not None:
            model = Extractor.from_pretrained(model_dir, ocr=ocr, fallback=True)
    rules = None if args.no_rules else Extractor.rules(ocr=ocr)  # decodes the OCR the main extractor reads
    target, settings = (model if model is not None else rules).ocr_target()
    engine = target if isinstance(target, str) else getattr(target, "name", str(target))

    out: dict[str, Any] = {"sets": {}, "model": str(model.model_dir) if model is not None else None,
                           "ocr_engine": engine}
    if settings:
        out["ocr_settings"] = settings
    table, per_entity = [], []
    systems = [s for s, on in (("rules", rules), ("model", model), ("model_only", model)) if on is not None]
    for set_dir in sets:
        entry, rows, answers = run_set(set_dir, rules, model, args.limit)
        out["sets"][set_dir.name] = entry
        for name in systems:
            e = entry[name]
            table.append((set_dir.name, entry["role"], entry["rows"], name, e["f1"], e["f1_strict"],
                          f"{e['rows_per_s']:.1f}", f"{e['rows_per_s_with_ocr']:.1f}"))
        for ent in sorted(entry[systems[0]]["per_entity"]):
            per_entity.append((set_dir.name, ent, entry[systems[0]]["per_entity"][ent]["rows"],
                               *(entry[s]["per_entity"][ent]["f1"] for s in systems)))
        if args.dump:
            dump_set(Path(args.dump) / f"{set_dir.name}.csv", rows, answers)
        if args.report:
            primary = model if model is not None else rules
            texts = answers["model"] if model is not None else answers["rules"]
            summary = report_set(Path(args.report) / set_dir.name, set_dir, rows, texts, primary)
            entry["report"] = summary["index_html"]
    print_table(["set", "role", "rows", "system", "f1", "f1_strict", "rows/s", "rows/s+ocr"], table)
    print()
    print_table(["set", "entity", "rows", *(f"f1 {s}" for s in systems)], per_entity)
    print_json(out)
    return 0
