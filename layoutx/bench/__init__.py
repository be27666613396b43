"""`python -m layoutx bench WHAT`: speed/memory benchmarks, each printing one JSON object as its last line.

Targets live here, not in timed tests: a benchmark compares against a baseline in the same run on the
same inputs.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# benchmark name -> module exposing add_arguments(parser) and run(args) -> int
BENCHMARKS: dict[str, str] = {
    "ocr": "layoutx.bench.ocr",
    "train": "layoutx.bench.train",
    "predict": "layoutx.bench.predict",
    "text": "layoutx.bench.text",
    "scale": "layoutx.bench.scale",
    "real": "layoutx.bench.real",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="bench", metavar="BENCH", required=True)
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        sp = sub.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(sp)


def run(args: argparse.Namespace) -> int:
    return int(importlib.import_module(BENCHMARKS[args.bench]).run(args) or 0)


@contextmanager
def workdir(path: str | None, prefix: str) -> Iterator[Path]:
    """The folder a benchmark keeps its inputs, outputs and caches in: ``path`` (created, kept) or a temporary
    folder removed afterwards."""
    if path:
        work = Path(path)
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def key_values(items: list[str], flag: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` command-line settings with YAML values ("640" -> 640, "null" -> None)."""
    import yaml

    from layoutx.errors import InputFileError

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputFileError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out
