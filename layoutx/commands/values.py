"""`values --report train.csv`: how many ground-truth strings parse to an allowed value, and why not."""

from __future__ import annotations

import argparse
from collections import Counter

from layoutx.core.tables import print_json, print_table, read_csv
from layoutx.core.values import parse_entity_value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--report", required=True, metavar="TRAIN_CSV", help="a train.csv-format file")
    p.add_argument("--examples", type=int, default=3, help="failing examples to show per reason")


def run(args: argparse.Namespace) -> int:
    rows = read_csv(args.report, required=("entity_name", "entity_value"))
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    parsed = 0
    for row in rows:
        result = parse_entity_value(row["entity_value"], row["entity_name"])
        if result.ok:
            parsed += 1
        else:
            reasons[result.reason or "unknown"] += 1
            examples.setdefault(result.reason or "unknown", []).append(f"{row['entity_name']}: {row['entity_value']!r}")
    n = len(rows)
    print_table(
        ["reason", "rows", "examples"],
        [(r, c, "; ".join(examples[r][: args.examples])) for r, c in reasons.most_common()],
    )
    print(f"{parsed}/{n} rows parse to an allowed value")
    print_json({"rows": n, "parsed": parsed, "rate": round(parsed / n, 6) if n else 0.0, "by_reason": dict(reasons)})
    return 0
