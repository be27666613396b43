"""CSV input and the human table + JSON last line that every command prints (one place, one format)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from layoutx.errors import InputFileError

csv.field_size_limit(1 << 24)


def read_csv(path: str | Path, required: Sequence[str] = ()) -> list[dict[str, str]]:
    """All rows of a CSV as dicts; a one-line InputFileError for a missing file or missing columns."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{p}: no such file")
    with p.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        missing = [c for c in required if c not in columns]
        if missing:
            raise InputFileError(f"{p}: missing column(s) {', '.join(missing)} (has: {', '.join(columns) or 'none'})")
        return [{k: (v if v is not None else "") for k, v in row.items()} for row in reader]


def print_table(header: Sequence[str], rows: Iterable[Sequence[object]], out: TextIO | None = None) -> None:
    """A plain aligned text table for people; machines read the JSON line that follows."""
    out = out or sys.stdout
    body = [[_cell(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)), file=out)
    for r in body:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)), file=out)


def print_json(obj: dict, out: TextIO | None = None) -> None:
    """The command's last line: one JSON object."""
    print(json.dumps(obj, sort_keys=False), file=out or sys.stdout, flush=True)


def _cell(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
