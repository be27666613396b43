"""`evaluate --gold GOLD.csv --pred PRED.csv`: the challenge F1 (numeric primary, strict beside it)."""

from __future__ import annotations

import argparse

from layoutx.core.metric import score
from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.errors import InputFileError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gold", required=True, help="CSV with index,entity_value (entity_name optional)")
    p.add_argument("--pred", required=True, help="CSV with index,prediction")


def evaluate_files(gold_path: str, pred_path: str) -> dict:
    """Score two files; a gold row without a prediction row counts as an empty prediction."""
    gold = read_csv(gold_path, required=("index", "entity_value"))
    pred = read_csv(pred_path, required=("index", "prediction"))
    gold_index = {r["index"] for r in gold}
    if len(gold_index) != len(gold):
        raise InputFileError(f"{gold_path}: duplicated index values")
    predictions: dict[str, str] = {}
    for r in pred:
        if r["index"] not in gold_index:
            raise InputFileError(f"{pred_path}: index {r['index']!r} is not in the gold file")
        if r["index"] in predictions:
            raise InputFileError(f"{pred_path}: index {r['index']!r} appears more than once")
        predictions[r["index"]] = r["prediction"]
    result = score((r.get("entity_name") or None, r["entity_value"], predictions.get(r["index"], "")) for r in gold)
    return result.to_json()


def run(args: argparse.Namespace) -> int:
    out = evaluate_files(args.gold, args.pred)
    table = [(name, v["rows"], v["f1"]) for name, v in out["per_entity"].items()]
    table.append(("ALL (numeric)", out["rows"], out["f1"]))
    table.append(("ALL (strict)", out["rows"], out["f1_strict"]))
    print_table(["entity", "rows", "f1"], table)
    print(f"precision {out['precision']:.4f}  recall {out['recall']:.4f}")
    print_json(out)
    return 0
