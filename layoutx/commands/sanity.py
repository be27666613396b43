"""`sanity --test TEST.csv --pred PRED.csv`: the official submission checks, stricter on indices."""

from __future__ import annotations

import argparse
from pathlib import Path

from layoutx.core.tables import print_json, read_csv
from layoutx.core.values import parse_prediction
from layoutx.errors import InputFileError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--test", required=True, help="the test CSV (index,image_link,group_id,entity_name)")
    p.add_argument("--pred", required=True, help="the submission CSV (index,prediction)")
    p.add_argument("--max-problems", type=int, default=20, help="problems to print (all are counted)")


def check_submission(test_path: str, pred_path: str) -> list[str]:
    """Every problem that would make the file unacceptable; an empty list means it passes."""
    for path in (test_path, pred_path):
        if Path(path).suffix.lower() != ".csv":
            raise InputFileError(f"{path}: not a .csv file")
    test = read_csv(test_path, required=("index",))
    pred = read_csv(pred_path, required=("index", "prediction"))
    entity_of = {r["index"]: r.get("entity_name") or None for r in test}
    problems: list[str] = []
    seen: set[str] = set()
    for r in pred:
        idx = r["index"]
        if idx in seen:
            problems.append(f"index {idx}: duplicated")
        seen.add(idx)
        if idx not in entity_of:
            problems.append(f"index {idx}: not in the test file (extra index)")
            continue
        text = r["prediction"]
        if text == "":
            continue
        parsed = parse_prediction(text, entity_of[idx])
        if not parsed.ok:
            problems.append(f"index {idx}: invalid prediction {text!r} ({parsed.reason})")
    problems.extend(f"index {idx}: missing from the submission" for idx in entity_of if idx not in seen)
    return problems


def run(args: argparse.Namespace) -> int:
    problems = check_submission(args.test, args.pred)
    for line in problems[: args.max_problems]:
        print(line)
    if len(problems) > args.max_problems:
        print(f"... and {len(problems) - args.max_problems} more")
    print("Parsing successful for file" if not problems else f"{len(problems)} problem(s): the file would be rejected")
    print_json({"ok": not problems, "problems": len(problems)})
    return 0 if not problems else 1
