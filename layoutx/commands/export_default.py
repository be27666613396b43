"""`export-default --model DIR [--scores FILE.json]`: make an export the model shipped inside the package.

The shipped model (``layoutx/resources/model``) is what ``predict.py`` and ``Extractor.from_pretrained()`` use
when nobody has trained one, so a fresh install works out of the box. Only the files inference needs are
copied (weights, configs, tokenizer, ``layoutx.json``), never checkpoints or logs; the copy is checked to load
with plain transformers, must fit the package size budget, and replaces the old model in one swap (a temp dir
next to it, then renames), so a failed run leaves the previous model untouched. ``layoutx.json`` keeps the
training config the export carries and gains a ``shipped`` block: source dir, date and the dev-set scores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from layoutx.core.tables import print_json, print_table
from layoutx.errors import InputFileError, LayoutxError, ModelNotFoundError
from layoutx.models.export import META_FILE, find_model, read_meta, shipped_model_dir

MAX_BYTES = 15_000_000  # the wheel carries the model: keep it small (15 MB)

# Files inference reads: the model config, safetensors weights, the tokenizer (fast and slow forms), the
# image-processor config for LayoutLMv3Processor users, and layoutx's own settings.
INFERENCE_FILES = (
    "config.json", "model.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "preprocessor_config.json", META_FILE,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="an export dir (or a pointer file such as models/latest)")
    p.add_argument("--scores", help="dev-set scores to record: a JSON object, or a file whose last line is one "
                                    "(e.g. the output of `python predict.py ... gold=...`)")
    p.add_argument("--out", help="destination (default: the package's layoutx/resources/model)")


def inference_files(model_dir: Path) -> list[Path]:
    """The files of ``model_dir`` that inference needs; raises ModelNotFoundError when one is missing."""
    files = [model_dir / n for n in INFERENCE_FILES if (model_dir / n).is_file()]
    files += sorted(p for p in model_dir.glob("model-*-of-*.safetensors") if p.is_file())  # sharded weights
    names = {p.name for p in files}
    if "model.safetensors" not in names and "model.safetensors.index.json" not in names:
        raise ModelNotFoundError(f"{model_dir}: no safetensors weights (model.safetensors); export with "
                                 "layoutx.models.export.export_model")
    if "tokenizer.json" not in names and "vocab.json" not in names:
        raise ModelNotFoundError(f"{model_dir}: no tokenizer (tokenizer.json or vocab.json)")
    if META_FILE not in names:
        raise ModelNotFoundError(f"{model_dir}: not a layoutx export (no {META_FILE}); train one with `python train.py`")
    return files


def read_scores(path: str | Path) -> dict[str, Any]:
    """A JSON object from a file: the whole file, or else its last non-empty line (a command's JSON line)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputFileError(f"{p}: no such file")
    text = p.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    for candidate in (text, lines[-1] if lines else ""):
        try:
            obj = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    raise InputFileError(f"{p}: not a JSON object (nor a file whose last line is one)")


def _check_loads(model_dir: Path) -> None:
    """The copy must load the way users load it: plain transformers, local files only, layoutx's labels."""
    from transformers import AutoTokenizer, LayoutLMv3ForTokenClassification
    from transformers.utils import logging as hf_logging

    from layoutx.labels.tags import LABELS

    hf_logging.disable_progress_bar()  # a "Loading weights" bar is noise in a command's output
    try:
        model = LayoutLMv3ForTokenClassification.from_pretrained(model_dir, local_files_only=True)
        AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any load failure means the export is unusable
        raise ModelNotFoundError(f"{model_dir}: does not load with transformers ({type(exc).__name__}: {exc})") from None
    labels = sorted(model.config.id2label.values())
    if labels != sorted(LABELS):
        raise ModelNotFoundError(f"{model_dir}: labels {labels} are not layoutx's {sorted(LABELS)}")


def export_default(model: str | Path, scores: str | Path | None = None, out: str | Path | None = None,
                   max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Replace ``out`` (default: the shipped model dir) with the inference files of ``model``; returns a summary.

    Raises LayoutxError (nothing is changed) when the source is not a usable export or the result is too big."""
    src, _ = find_model(model)
    src = src.resolve()
    dest = Path(out).expanduser() if out is not None else shipped_model_dir()
    if dest.exists() and src == dest.resolve():
        raise InputFileError(f"{src} is already the destination; export from a trained model dir")
    if dest.exists() and not (dest.is_dir() and (not any(dest.iterdir()) or (dest / "config.json").is_file())):
        raise InputFileError(f"{dest}: exists and is not a model directory; it is replaced whole, so pick another --out")
    files = inference_files(src)
    meta = read_meta(src)
    shipped: dict[str, Any] = {"source": str(src), "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if scores is not None:
        shipped["scores"] = read_scores(scores)
    meta["shipped"] = shipped
    meta_bytes = (json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")
    total = sum(p.stat().st_size for p in files if p.name != META_FILE) + len(meta_bytes)
    if total > max_bytes:
        raise LayoutxError(f"{src}: the shipped model would be {total / 1e6:.1f} MB, over the "
                           f"{max_bytes / 1e6:.0f} MB limit; ship a smaller preset")

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp{os.getpid()}")
    old = dest.with_name(f".{dest.name}.old{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        for p in files:
            if p.name != META_FILE:
                shutil.copyfile(p, tmp / p.name)
        (tmp / META_FILE).write_bytes(meta_bytes)
        for p in tmp.iterdir():
            p.chmod(0o644)  # exports can be 0600; installed package files must be readable by everyone
        _check_loads(tmp)
        if dest.exists():
            dest.replace(old)
        tmp.replace(dest)
    except BaseException:
        if old.exists() and not dest.exists():
            old.replace(dest)  # put the previous model back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return {"out": str(dest), "source": str(src), "files": sorted(p.name for p in dest.iterdir()),
            "bytes": sum(p.stat().st_size for p in dest.iterdir()), "shipped": shipped}


def run(args: argparse.Namespace) -> int:
    summary = export_default(args.model, args.scores, args.out)
    scores = summary["shipped"].get("scores") or {}
    rows = [("out", summary["out"]), ("source", summary["source"]), ("files", len(summary["files"])),
            ("size (MB)", round(summary["bytes"] / 1e6, 2)), ("date", summary["shipped"]["date"])]
    rows += [(f"score {k}", v) for k, v in scores.items() if isinstance(v, int | float) and not isinstance(v, bool)]
    print_table(["", "value"], rows)
    print_json(summary)
    return 0
