"""Batch prediction over a test.csv-format file: the library behind `python predict.py`.

``run_prediction(cfg)`` streams the input CSV in chunks (memory does not grow with the row count: only
the finished answers, a few dozen bytes per row, are kept for the final in-order rewrite), resolves each
row's image (a folder, or downloaded into the cache), OCRs through the OCR cache, runs the tagger in
batches and decodes. Every row gets exactly one output row: an unreadable image or an unknown entity
gives "" and is counted by reason, never a crash.

Resuming: answers are appended chunk by chunk to ``OUTPUT.partial`` (index, prediction, status, source),
flushed and fsync'd. A rerun with the same settings reads back the finished indices (a torn last line
from a kill -9 is cut off first) and continues after them, so nothing is lost or duplicated. When all
rows are done the final ``OUTPUT`` (``index,prediction``) is written in input order through a temporary
file + rename and the partial file is removed. ``OUTPUT.partial.json`` records the settings; a rerun
with different settings starts over instead of mixing answers.

Where each chunk's OCR + model work runs is the ``runner`` (layoutx.runners: this process, or Ray actors);
the loop, the partial file and resuming stay here, so every runner writes the same file.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layoutx.core.metric import score
from layoutx.core.tables import print_json, print_table
from layoutx.core.units import ENTITIES
from layoutx.decode import FALLBACK, MODEL
from layoutx.errors import ImageError, InputFileError, LayoutxError, ModelNotFoundError

csv.field_size_limit(1 << 24)

REQUIRED = ("index", "image_link", "entity_name")
PARTIAL_COLUMNS = ("index", "prediction", "status", "source", "model_answer")
OK = "ok"
UNKNOWN_ENTITY = "unknown_entity"
MISSING_IMAGE = "missing_image"
NO_IMAGE_LINK = "no_image_link"
DUPLICATE_INDEX = "duplicate_index"

DEFAULTS: dict[str, Any] = {
    "input": None,  # None -> the embedded synthetic sample (layoutx.synth.sample_dir()/labels.csv)
    "images_dir": None,  # None -> the sample's images for the sample, else download into the cache
    "output": "outputs/predictions.csv",
    "model_path": None,  # None -> models/latest, else the shipped default (models.export.resolve_model_dir)
    "rules_only": False,  # the model-less baseline (rule-based fallback alone)
    "fallback": True,  # False: the model-only figure (no rule-based answers)
    "gold": None,  # a CSV with index,entity_value to score against (the sample's labels by default)
    "ocr": None,  # engine name or {name: ..., **settings}; None -> the default engine
    "cache_dir": None,  # None -> layoutx.ocr.pipeline.default_cache_dir()
    "device": None,
    "batch_size": 16,
    "chunk_size": 1024,
    "workers": None,
    "resume": True,
    "stop_after": None,  # stop after this many newly written rows (testing resumption); no final file
    "limit": None,  # predict only the first N input rows (a quick look); the output then has N rows
    "progress": True,
    "show": 0,  # print the first N answers beside their gold (when gold is given) before the summary
    "runner": None,  # where each chunk's work runs: None/"local" (this process), or {name: ray, ...} (layoutx.runners)
}


@dataclass
class _Row:
    index: str
    link: str
    entity: str
    path: Path | None = None
    fail: str | None = None


def _cfg(cfg: Any) -> dict[str, Any]:
    """Plain dict of settings from a Hydra DictConfig, a mapping or keyword arguments."""
    try:
        from omegaconf import DictConfig, OmegaConf

        if isinstance(cfg, DictConfig):
            cfg = OmegaConf.to_container(cfg, resolve=True)
    except ImportError:  # pragma: no cover - hydra-core is a dependency
        pass
    out = dict(DEFAULTS)
    out.update({k: v for k, v in dict(cfg or {}).items() if k in DEFAULTS or k == "hydra"})
    out.pop("hydra", None)
    return out


def _sample_paths() -> tuple[Path, Path]:
    from layoutx.synth import sample_dir

    d = Path(sample_dir())
    return d / "labels.csv", d / "images"


def partial_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def _meta_path(output: Path) -> Path:
    return output.with_name(output.name + ".partial.json")


def read_partial(path: Path) -> dict[str, tuple[str, str, str, str]]:
    """Finished rows of an interrupted run: index -> (prediction, status, source, model_answer). A torn last line (no
    newline: the process died mid-write) is cut off the file first."""
    if not path.exists():
        return {}
    with path.open("r+b") as f:
        data = f.read()
        cut = data.rfind(b"\n") + 1
        if cut != len(data):
            f.truncate(cut)
    done: dict[str, tuple[str, str, str, str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            return {}
        if tuple(header) != PARTIAL_COLUMNS:
            raise InputFileError(f"{path}: not a layoutx partial file (header {header}); delete it to start over")
        for rec in reader:
            if len(rec) == len(PARTIAL_COLUMNS):
                done[rec[0]] = (rec[1], rec[2], rec[3], rec[4])
    return done


def _iter_chunks(path: Path, size: int, limit: int | None = None) -> Iterator[list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise InputFileError(f"{path}: missing column(s) {', '.join(missing)} "
                                 f"(has: {', '.join(reader.fieldnames or []) or 'none'})")
        chunk: list[dict[str, str]] = []
        for n, row in enumerate(reader):
            if limit is not None and n >= limit:
                break
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _count_rows(path: Path, limit: int | None = None) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        n = max(sum(1 for _ in csv.reader(f)) - 1, 0)
    return n if limit is None else min(n, limit)


def _reason(exc: ImageError) -> str:
    return "image_" + "_".join(str(exc.reason).lower().replace("-", " ").split()[:4])


class _Appender:
    """Append-only partial file: one fsync per chunk, so a kill -9 loses at most the chunk in flight."""

    def __init__(self, path: Path) -> None:
        fresh = not path.exists() or path.stat().st_size == 0
        self.f = path.open("a", newline="", encoding="utf-8")
        self.w = csv.writer(self.f, lineterminator="\n")
        if fresh:
            self.w.writerow(PARTIAL_COLUMNS)
            self.sync()

    def write(self, rows: list[tuple[str, str, str, str]]) -> None:
        self.w.writerows(rows)
        self.sync()

    def sync(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())

    def close(self) -> None:
        self.f.close()


def _settings_fingerprint(c: dict[str, Any], input_path: Path) -> dict[str, Any]:
    st = input_path.stat()
    return {
        "input": str(input_path.resolve()), "input_size": st.st_size, "input_mtime_ns": st.st_mtime_ns,
        "model_path": str(c["model_path"]) if c["model_path"] else None, "rules_only": bool(c["rules_only"]),
        "limit": c["limit"],
        "fallback": bool(c["fallback"]), "ocr": json.dumps(c["ocr"], sort_keys=True, default=str),
        "images_dir": str(c["images_dir"]) if c["images_dir"] else None,
        "partial_columns": list(PARTIAL_COLUMNS),
    }


def build_extractor(c: dict[str, Any]) -> Any:
    """The Extractor a run uses: rules only, or the model at ``model_path`` (None -> models/latest, else the
    shipped default model)."""
    from layoutx.extractor import Extractor

    if c["rules_only"]:
        return Extractor.rules(ocr=c["ocr"], cache_dir=c["cache_dir"])
    return Extractor.from_pretrained(c["model_path"], ocr=c["ocr"], device=c["device"], cache_dir=c["cache_dir"],
                                     fallback=bool(c["fallback"]), batch_size=int(c["batch_size"]))


def _path_for(link: str, folder: Path) -> Path | None:
    from layoutx.io.images import local_path_for_link

    try:
        return local_path_for_link(link, folder) if link else None
    except ValueError:  # a link with no file name
        return None


def _resolve_images(rows: list[_Row], images_dir: Path | None, download_dir: Path | None, workers: Any) -> None:
    """Set each row's image path (a folder, or downloaded into the cache); a failed download sets ``fail``."""
    if images_dir is not None:
        for r in rows:
            r.path = _path_for(r.link, images_dir)
        return
    assert download_dir is not None
    from layoutx.io.download import download_links

    links = sorted({r.link for r in rows if r.link})
    reasons: dict[str, str] = {}
    if links:
        kwargs: dict[str, Any] = {"progress": False}
        if workers:
            kwargs["concurrency"] = int(workers)
        reasons = download_links(links, download_dir, **kwargs).reasons
    for r in rows:
        r.path = _path_for(r.link, download_dir)
        if r.link in reasons:
            r.fail = "download_" + "_".join(reasons[r.link].lower().split()[:4])


def _process_chunk(rows: list[_Row], extractor: Any, c: dict[str, Any], images_dir: Path | None,
                   download_dir: Path | None) -> list[tuple[str, str, str, str, str]]:
    """(index, prediction, status, source, model_answer) per row of the chunk, in order."""

    def ocr(paths: list[str], retry: bool = False) -> Mapping[str, Any]:
        try:
            return extractor.ocr_paths(paths, workers=int(c["workers"]) if c["workers"] else None, retry=retry)
        except BrokenProcessPool as exc:
            # A worker died (out of memory on a huge image, or a result that could not be sent back):
            # redo this chunk in-process rather than lose the run.
            print(f"warning: OCR worker pool failed ({exc}); retrying {len(paths)} images in-process",
                  file=sys.stderr)
            return extractor.ocr_paths(paths, workers=1, retry=retry)

    again = functools.partial(ocr, retry=True) if extractor.retry_target() is not None else None
    staged = _ocr_stage(rows, c, images_dir, download_dir, ocr, extractor.needs_image, again)
    return _predict_stage(rows, staged, extractor)


# The two halves of a chunk's work, split so that a distributed runner (layoutx.runners) can run OCR and
# the model in different places and still give every row exactly the local runner's answer.
Staged = tuple[dict[int, tuple[str, str, str, str]], list[int], list[tuple[Any, str, Any]]]


def _ocr_stage(rows: list[_Row], c: dict[str, Any], images_dir: Path | None, download_dir: Path | None,
               ocr: Any, needs_image: bool, again: Any = None) -> Staged:
    """Resolve images (download), OCR them through ``ocr(paths) -> {path: OcrResult | ImageError}``, and
    through ``again`` (same form, the small-print retry's settings; None = no retry) the rows
    ``layoutx.ocr.retry`` retries; returns (final results of rows that cannot be predicted, slots of the
    others, their model items)."""
    results: dict[int, tuple[str, str, str, str]] = {}
    known = [k for k, r in enumerate(rows) if r.entity in ENTITIES]
    for k, r in enumerate(rows):
        if r.entity not in ENTITIES:
            results[k] = ("", UNKNOWN_ENTITY, "none", "")
    _resolve_images([rows[k] for k in known], images_dir, download_dir, c["workers"])
    todo = []
    for k in known:
        r = rows[k]
        if r.path is None:
            results[k] = ("", NO_IMAGE_LINK, "none", "")
        elif r.fail is not None:
            results[k] = ("", r.fail, "none", "")
        elif not r.path.is_file():
            results[k] = ("", MISSING_IMAGE, "none", "")
        else:
            todo.append(k)
    items: list[tuple[Any, str, Any]] = []
    slots: list[int] = []
    if todo:
        by_path = ocr(sorted({str(rows[k].path) for k in todo}))
        for k in todo:
            res = by_path.get(str(rows[k].path))
            if res is None or isinstance(res, ImageError):
                reason = _reason(res) if isinstance(res, ImageError) else "image_not_ocred"
                results[k] = ("", reason, "none", "")
                continue
            items.append((res, rows[k].entity, rows[k].path if needs_image else None))
            slots.append(k)
    if again is not None and items:
        from layoutx.ocr.retry import second_pass

        keyed = [(str(rows[k].path), rows[k].entity) for k in slots]
        final = second_pass(keyed, [it[0] for it in items], again)
        items = [(res, entity, image) for res, (_, entity, image) in zip(final, items)]
    return results, slots, items


def _predict_stage(rows: list[_Row], staged: Staged, extractor: Any) -> list[tuple[str, str, str, str, str]]:
    """Tag + decode the OCR'd rows of ``_ocr_stage``; (index, prediction, status, source, model_answer) per
    row, in order (model_answer: what the model alone answers, ``Prediction.model_only_text``)."""
    results, slots, items = staged
    if items:
        for k, pred in zip(slots, extractor.predict_ocr(items)):
            results[k] = (pred.text, OK, pred.source, pred.model_only_text())
    return [(r.index, *results[k]) for k, r in enumerate(rows)]


def _read_gold(path: Path) -> dict[str, tuple[str, str]]:
    gold: dict[str, tuple[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not {"index", "entity_value"} <= set(reader.fieldnames or []):
            raise InputFileError(f"{path}: gold needs columns index,entity_value")
        for row in reader:
            gold[row["index"]] = (row.get("entity_name") or "", row["entity_value"])
    return gold


def run_prediction(cfg: Any = None) -> dict[str, Any]:
    """Predict every row of ``cfg["input"]`` into ``cfg["output"]``; returns the summary (see DEFAULTS).

    Raises LayoutxError subclasses for user mistakes (missing input, no model, bad partial file)."""
    c = _cfg(cfg)
    t0 = time.perf_counter()
    gold_path = c["gold"]
    images_dir = c["images_dir"]
    if c["input"] is None:
        labels, sample_images = _sample_paths()
        input_path = labels
        images_dir = images_dir or sample_images
        gold_path = gold_path or labels
    else:
        input_path = Path(c["input"]).expanduser()
    if not input_path.is_file():
        raise InputFileError(f"{input_path}: no such file")
    images_dir = Path(images_dir).expanduser() if images_dir else None
    if images_dir is not None and not images_dir.is_dir():
        raise InputFileError(f"{images_dir}: images_dir is not a directory")
    download_dir = None
    if images_dir is None:
        from layoutx.ocr.pipeline import default_cache_dir

        download_dir = Path(c["cache_dir"] or default_cache_dir()) / "images"
    output = Path(c["output"]).expanduser()
    output.parent.mkdir(parents=True, exist_ok=True)
    c["images_dir"] = images_dir

    extractor = build_extractor(c)  # fails fast (no model) before any work
    part, meta_path = partial_path(output), _meta_path(output)
    fingerprint = _settings_fingerprint(c, input_path)
    # the model actually used: model_path=None resolves to latest or the shipped model, which can change between runs
    fingerprint["model_dir"] = str(extractor.model_dir) if extractor.tagger is not None else None
    restarted = False
    if part.exists() and (not c["resume"] or not meta_path.exists()
                          or json.loads(meta_path.read_text(encoding="utf-8")) != fingerprint):
        restarted = c["resume"]
        part.unlink()
    done = read_partial(part)
    resumed = len(done)
    meta_path.write_text(json.dumps(fingerprint, sort_keys=True) + "\n", encoding="utf-8")

    limit = int(c["limit"]) if c["limit"] is not None else None
    total = _count_rows(input_path, limit)
    stop_after = int(c["stop_after"]) if c["stop_after"] is not None else None
    written = submitted = 0
    duplicates = 0
    stopped = False
    seen: set[str] = set()
    from layoutx.runners import make_runner

    # The runner does each chunk's OCR + model work (here, or on a Ray cluster); this loop alone reads the
    # input and writes the partial file, in input order, so every runner resumes and finishes the same way.
    runner = make_runner(c, extractor, images_dir, download_dir)
    pending: deque[Any] = deque()  # chunks handed to the runner, oldest first (at most runner.window)
    appender = _Appender(part)
    bar = _progress(total, resumed, bool(c["progress"]))

    def drain(keep: int) -> None:
        nonlocal written
        while len(pending) > keep:
            out = runner.result(pending.popleft())
            appender.write(out)
            for idx, *answer in out:
                done[idx] = tuple(answer)  # type: ignore[assignment]
            written += len(out)
            if bar is not None:
                bar.update(len(out))

    try:
        for chunk in _iter_chunks(input_path, int(c["chunk_size"]), limit):
            rows: list[_Row] = []
            for rec in chunk:
                idx = rec["index"]
                if idx in seen:
                    duplicates += 1
                    continue
                seen.add(idx)
                if idx in done:
                    continue
                rows.append(_Row(idx, (rec.get("image_link") or "").strip(), (rec.get("entity_name") or "").strip()))
            if stop_after is not None and submitted + len(rows) > stop_after:
                rows = rows[: stop_after - submitted]
                stopped = True
            if rows:
                pending.append(runner.submit(rows))
                submitted += len(rows)
                drain(runner.window - 1)
            if stopped:
                break
        drain(0)
    finally:
        runner.close()
        appender.close()
        if bar is not None:
            bar.close()

    if not stopped:
        _write_final(input_path, output, done, limit)
        part.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)

    statuses = Counter(status for _, status, _, _ in done.values())
    sources = Counter(source for pred, _, source, _ in done.values() if pred)
    answered = sum(1 for pred, _, _, _ in done.values() if pred)
    seconds = time.perf_counter() - t0
    summary: dict[str, Any] = {
        "rows": len(done),
        "answered": answered,
        "empty": len(done) - answered,
        "answered_model": sources.get(MODEL, 0),
        "answered_fallback": sources.get(FALLBACK, 0),
        "failures": {k: v for k, v in sorted(statuses.items()) if k != OK},
        "duplicate_indices": duplicates,
        "resumed_rows": resumed,
        "restarted": restarted,
        "new_rows": written,
        "complete": not stopped,
        "seconds": round(seconds, 3),
        "rows_per_s": round(written / seconds, 2) if seconds > 0 else 0.0,
        "output": str(output if not stopped else part),
        "model": "rules" if extractor.tagger is None else str(extractor.model_dir or c["model_path"]),
        # which model: "explicit" (model_path=), "latest" (your trained models/latest), "shipped" or "rules"
        "model_source": "rules" if extractor.tagger is None else (extractor.model_source or "explicit"),
    }
    if gold_path:
        gold = _read_gold(Path(gold_path))
        triples_all = [(gold[i][0] or None, gold[i][1], p) for i, (p, _, _, _) in done.items() if i in gold]
        triples_model = [(gold[i][0] or None, gold[i][1], m) for i, (_, _, _, m) in done.items() if i in gold]
        s_all, s_model = score(triples_all), score(triples_model)
        summary["gold"] = str(gold_path)
        summary["gold_rows"] = len(triples_all)
        summary["f1"] = round(s_all.numeric.f1, 6)
        summary["f1_model_only"] = round(s_model.numeric.f1, 6)
        summary["f1_strict"] = round(s_all.strict.f1, 6)
        summary["per_entity"] = s_all.to_json()["per_entity"]
    return summary


def _write_final(input_path: Path, output: Path, done: Mapping[str, tuple[str, str, str, str]],
                 limit: int | None = None) -> None:
    """``index,prediction`` in input order, each index once, through a temporary file + atomic rename."""
    tmp = output.with_name(f".{output.name}.tmp{os.getpid()}")
    written: set[str] = set()
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "prediction"])
        for chunk in _iter_chunks(input_path, 4096, limit):
            for rec in chunk:
                idx = rec["index"]
                if idx in written:
                    continue
                written.add(idx)
                w.writerow([idx, done[idx][0]])
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(output)


def _progress(total: int, initial: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="row", desc="predict", file=sys.stderr, dynamic_ncols=True)


def print_summary(summary: Mapping[str, Any]) -> None:
    """Which model answered, the human table, then the JSON last line."""
    print(f"model: {_model_line(summary)}")
    rows = [
        ("rows", summary["rows"]), ("answered", summary["answered"]), ("  by model", summary["answered_model"]),
        ("  by fallback", summary["answered_fallback"]), ("empty", summary["empty"]),
    ]
    rows += [(f"  {reason}", n) for reason, n in summary["failures"].items()]
    rows += [("resumed rows", summary["resumed_rows"]), ("seconds", summary["seconds"]),
             ("rows/s", summary["rows_per_s"])]
    if "f1" in summary:
        rows += [("F1 (numeric, with fallback)", summary["f1"]), ("F1 (model only)", summary["f1_model_only"]),
                 ("F1 (strict)", summary["f1_strict"])]
        rows += [(f"  F1 {e}", v["f1"]) for e, v in summary["per_entity"].items()]
    print_table(["", "value"], rows)
    state = "written" if summary["complete"] else "stopped early; rerun to continue"
    print(f"{summary['output']}: {state}")
    print_json(dict(summary))


def _model_line(summary: Mapping[str, Any]) -> str:
    source = summary.get("model_source", "explicit")
    if source == "rules":
        return "rules only (no model)"
    from layoutx.models.export import describe_model

    return describe_model(summary["model"], source)


def main_from_config(cfg: Any) -> int:
    """Run + print; LayoutxError -> one line on stderr and exit status 2 (used by predict.py)."""
    try:
        summary = run_prediction(cfg)
    except ModelNotFoundError as exc:
        print(f"error: {exc} [predict.py: model_path=DIR picks a model, rules_only=true runs the rule-based "
              "baseline without one]", file=sys.stderr)
        return 2
    except LayoutxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    c = _cfg(cfg)
    if int(c.get("show") or 0) > 0:
        print_answers(summary, int(c["show"]))
    print_summary(summary)
    return 0


def print_answers(summary: Mapping[str, Any], n: int) -> None:
    """The first ``n`` rows of the written output with their entity and, when scored, gold and outcome."""
    from layoutx.core.metric import row_outcome
    from layoutx.core.tables import print_table

    output = Path(str(summary["output"]))
    gold = _read_gold(Path(summary["gold"])) if summary.get("gold") else {}
    rows = []
    with output.open(newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            if len(rows) >= n:
                break
            entity, truth = gold.get(rec["index"], ("", ""))
            outcome = row_outcome(truth or None, rec["prediction"]) if rec["index"] in gold else ""
            rows.append((rec["index"], entity, rec["prediction"] or "(empty)", truth, outcome))
    print_table(["index", "entity", "answer", "gold", "outcome"], rows)
