"""Challenge CSV + images + OCR -> a Hugging Face dataset of weak-labelled rows, split by image.

Every row of the CSV becomes one example (words, 0..1000 boxes, tags, ``matched``) when its image could
be read; unmatched rows stay in the dataset with all-O tags and ``matched=False`` so that reports can see
them, and the trainer keeps them out of training. Rows whose image is missing or broken are counted,
never fatal. The train/validation split is by image (a hash of the image file name and the seed), so
the same photo is never on both sides even when several rows share it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layoutx.core.boxes import normalize_box
from layoutx.core.tables import read_csv
from layoutx.core.units import ENTITIES
from layoutx.errors import ImageError, LayoutxError
from layoutx.labels.match import MatchResult, match
from layoutx.labels.tags import LABEL2ID
from layoutx.ocr.types import OcrResult, orientation

if TYPE_CHECKING:  # datasets is imported lazily: the matcher and its reports must not need it
    from datasets import DatasetDict, Features

REQUIRED_COLUMNS = ("image_link", "entity_name", "entity_value")
STATS_FILE = "weak_labels.json"

# Why a row is not in the dataset, or is in it unmatched.
IMAGE_MISSING = "image_missing"
IMAGE_BROKEN = "image_broken"
UNKNOWN_ENTITY = "unknown_entity"


@dataclass
class BuildStats:
    """Counts for the report: rows, matched rows, per entity, and why rows did not match."""

    rows: int = 0
    matched: int = 0
    per_entity: dict[str, list[int]] = field(default_factory=dict)  # entity -> [rows, matched]
    reasons: Counter = field(default_factory=Counter)
    confusion: int = 0  # matched only after repairing OCR confusions

    def add(self, entity: str, matched: bool, reason: str = "", confusion: bool = False) -> None:
        self.rows += 1
        self.matched += int(matched)
        self.confusion += int(confusion)
        counts = self.per_entity.setdefault(entity, [0, 0])
        counts[0] += 1
        counts[1] += int(matched)
        if not matched:
            self.reasons[reason or "unmatched"] += 1

    def to_json(self) -> dict[str, Any]:
        """The report's JSON: rows, matched, rate, per_entity {name: {rows, rate}}, then details."""
        return {
            "rows": self.rows,
            "matched": self.matched,
            "rate": round(self.matched / self.rows, 4) if self.rows else 0.0,
            "per_entity": {
                name: {"rows": n, "rate": round(m / n, 4) if n else 0.0}
                for name, (n, m) in sorted(self.per_entity.items(), key=lambda kv: -kv[1][0])
            },
            "unmatched": dict(self.reasons.most_common()),
            "confusion_matches": self.confusion,
        }


def features() -> Features:
    """Explicit column types (so empty word lists and all-unmatched shards have the same schema)."""
    from datasets import Features, Value

    try:
        from datasets import List
    except ImportError:  # datasets < 4
        from datasets import Sequence as List  # type: ignore[assignment]
    return Features({
        "id": Value("string"), "index": Value("string"), "image": Value("string"), "group_id": Value("string"),
        "entity_name": Value("string"), "entity_value": Value("string"),
        "words": List(Value("string")), "boxes": List(List(Value("int32"), length=4)),
        "tags": List(Value("int8")), "orients": List(Value("int8")), "matched": Value("bool"), "width": Value("int32"), "height": Value("int32"),
    })


def example_from_match(row: Mapping[str, str], image: str, result: MatchResult, ocr: OcrResult, row_id: str
                       ) -> dict[str, Any]:
    """One dataset row: split words, boxes on the 0..1000 grid, tag ids."""
    return {
        "id": row_id,
        "index": str(row.get("index") or row_id),
        "image": image,
        "group_id": str(row.get("group_id", "") or ""),
        "entity_name": row["entity_name"],
        "entity_value": row["entity_value"],
        "words": [w.text for w in result.words],
        "boxes": [normalize_box(w.box, ocr.width, ocr.height) for w in result.words],
        "tags": [LABEL2ID[t] for t in result.tags],
        "orients": [orientation(w.angle) for w in result.words],
        "matched": result.matched,
        "width": int(ocr.width),
        "height": int(ocr.height),
    }


def rows_to_examples(rows: Sequence[Mapping[str, str]], ocr_results: Mapping[str, OcrResult | BaseException],
                     image_paths: Sequence[str] | None = None, stats: BuildStats | None = None
                     ) -> list[dict[str, Any]]:
    """Match every row against the OCR of its image (``ocr_results[image_paths[i]]``, or
    ``ocr_results[row["image"]]`` without ``image_paths``).

    Rows whose image is missing or unreadable are counted in ``stats`` and left out; unmatched rows are
    kept with ``matched=False``. ``id`` is the row's ``index`` column when present, else its row number.
    """
    stats = stats if stats is not None else BuildStats()
    out: list[dict[str, Any]] = []
    paths = image_paths if image_paths is not None else [str(r["image"]) for r in rows]
    for n, (row, path) in enumerate(zip(rows, paths)):
        entity = row["entity_name"]
        row_id = str(row.get("index") or n)
        res = ocr_results.get(path)
        if not isinstance(res, OcrResult):
            stats.add(entity, False, IMAGE_MISSING if res is None or not Path(path).is_file() else IMAGE_BROKEN)
            continue
        if entity not in ENTITIES:
            stats.add(entity, False, UNKNOWN_ENTITY)
            continue
        result = match(res.words, row["entity_value"], entity)
        stats.add(entity, result.matched, result.reason, result.confusion)
        out.append(example_from_match(row, path, result, res, row_id))
    return out


# Modules whose code decides a built dataset's words and tags: splitting, units, matching, the retry's choice of
# words (which reads with the rules' decoder).
_BUILD_MODULES = ("layoutx.labels.tokens", "layoutx.labels.candidates", "layoutx.labels.match",
                  "layoutx.labels.dataset", "layoutx.labels.tags", "layoutx.core.units", "layoutx.core.values",
                  "layoutx.ocr.retry", "layoutx.decode")


def build_version() -> str:
    """A short hash of the code that builds weak-label datasets: part of a built dataset's directory name, so
    a dataset built by older code (say, before a unit misreading was added) is rebuilt, not reused."""
    import importlib

    digest = hashlib.sha1()
    for name in _BUILD_MODULES:
        module = importlib.import_module(name)
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:8]


def image_split(image: str, val_fraction: float, seed: int) -> str:
    """"validation" or "train" for an image, from a hash of its file name and the seed (deterministic,
    independent of row order and of the folder the images sit in)."""
    return "validation" if _unit_hash(Path(image).name, seed) < val_fraction else "train"


HELDOUT = "heldout"


def text_split(image: str, heldout: float, val_fraction: float, seed: int) -> str:
    """"heldout", "validation" or "train" for an image of a text-only set (same hash as ``image_split``):
    the first ``heldout`` share of the hash range is never trained or validated on, so a report on it
    (``bench text --heldout``) is honest; the next ``val_fraction`` share selects checkpoints."""
    if not (0.0 <= heldout < 1.0 and 0.0 <= val_fraction and heldout + val_fraction < 1.0):
        raise LayoutxError(f"need 0 <= heldout, val_fraction and heldout + val_fraction < 1, got {heldout}, "
                           f"{val_fraction}")
    u = _unit_hash(Path(image).name, seed)
    return HELDOUT if u < heldout else "validation" if u < heldout + val_fraction else "train"


def build_text(csv_path: str | Path, out_dir: str | Path | None, heldout: float = 0.5, val_fraction: float = 0.1,
               seed: int = 0) -> tuple[DatasetDict, BuildStats]:
    """Weak labels from text-only OCR rows (an ``ocr_text`` column, e.g. the extras EasyOCR text of real
    train.csv images): each row's words get the dummy layout of ``text_ocr``; rows of held-out images
    are left out entirely (``text_split``). The stats count the rows kept."""
    from layoutx.labels.match import text_ocr

    rows = read_csv(csv_path, required=(*REQUIRED_COLUMNS, "ocr_text"))
    stats = BuildStats()
    parts: dict[str, list[dict[str, Any]]] = {"train": [], "validation": []}
    for n, row in enumerate(rows):
        image = Path(row["image_link"]).name
        part = text_split(image, heldout, val_fraction, seed)
        if part == HELDOUT:
            continue
        entity = row["entity_name"]
        if entity not in ENTITIES:
            stats.add(entity, False, UNKNOWN_ENTITY)
            continue
        ocr = text_ocr(row["ocr_text"])
        result = match(ocr.words, row["entity_value"], entity)
        stats.add(entity, result.matched, result.reason, result.confusion)
        parts[part].append(example_from_match(row, image, result, ocr, str(row.get("index") or n)))
    dd = to_dataset_dict(parts["train"], parts["validation"])
    if out_dir is not None:
        out = Path(out_dir)
        save(dd, out)
        (out / STATS_FILE).write_text(json.dumps(stats.to_json(), indent=1) + "\n", encoding="utf-8")
    return dd, stats


def _unit_hash(name: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_examples(examples: Sequence[dict[str, Any]], val_fraction: float = 0.1, seed: int = 0
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, validation) by image. When the hash sends no image to validation but there are at least
    two images and ``val_fraction > 0``, the image with the smallest hash goes there, so small sets still
    get a validation split."""
    if not 0.0 <= val_fraction < 1.0:
        raise LayoutxError(f"val_fraction must be in [0, 1), got {val_fraction}")
    names = sorted({Path(e["image"]).name for e in examples})
    val_names = {n for n in names if _unit_hash(n, seed) < val_fraction}
    if val_fraction > 0 and not val_names and len(names) >= 2:
        val_names = {min(names, key=lambda n: _unit_hash(n, seed))}
    train = [e for e in examples if Path(e["image"]).name not in val_names]
    val = [e for e in examples if Path(e["image"]).name in val_names]
    return train, val


def save(dd: DatasetDict, out: Path) -> None:
    """``save_to_disk`` with one shard per split at the least: datasets writes no shard for an empty split
    (val_fraction=0) and then cannot load it back."""
    dd.save_to_disk(str(out), num_shards={k: max(1, dd[k].num_rows // 100_000 + 1) for k in dd})


def to_dataset_dict(train: Iterable[dict[str, Any]], validation: Iterable[dict[str, Any]]) -> DatasetDict:
    from datasets import Dataset, DatasetDict

    feats = features()

    def part(rows: Iterable[dict[str, Any]]) -> Any:
        # rows made without word orientations (older code, hand-made rows) read as all upright
        rows = [r if "orients" in r else {**r, "orients": [0] * len(r["words"])} for r in rows]
        # an empty split (val_fraction=0) still gets every column
        return Dataset.from_list(rows, features=feats) if rows else Dataset.from_dict({k: [] for k in feats},
                                                                                     features=feats)

    return DatasetDict({"train": part(train), "validation": part(validation)})


def build(csv_path: str | Path, images_dir: str | Path, out_dir: str | Path | None, engine: Any = None,
          cache_dir: str | Path | None = None, val_fraction: float = 0.1, seed: int = 0, workers: int | None = None,
          progress: bool = True) -> tuple[DatasetDict, BuildStats]:
    """``build_dataset`` that also returns the counts (saved next to the dataset as weak_labels.json)."""
    from layoutx.io.images import local_path_for_link
    from layoutx.ocr import pipeline

    rows = read_csv(csv_path, required=REQUIRED_COLUMNS)
    paths = [str(local_path_for_link(r["image_link"], images_dir)) for r in rows]
    unique = list(dict.fromkeys(paths))
    kwargs: dict[str, Any] = {"engine": engine if engine is not None else pipeline.DEFAULT_ENGINE,
                              "workers": workers, "progress": progress}
    if cache_dir is not None:
        kwargs["cache_dir"] = cache_dir
    results: Mapping[str, OcrResult | ImageError] = pipeline.ocr_paths(unique, **kwargs) if unique else {}
    stats = BuildStats()
    examples = rows_to_examples(rows, results, paths, stats)
    train, val = split_examples(examples, val_fraction, seed)
    dd = to_dataset_dict(train, val)
    if not progress:
        from datasets.utils.logging import disable_progress_bar

        disable_progress_bar()
    if out_dir is not None:
        out = Path(out_dir)
        save(dd, out)
        (out / STATS_FILE).write_text(json.dumps(stats.to_json(), indent=1) + "\n", encoding="utf-8")
    return dd, stats


def build_dataset(csv_path: str | Path, images_dir: str | Path, out_dir: str | Path, engine: Any = None,
                  cache_dir: str | Path | None = None, val_fraction: float = 0.1, seed: int = 0) -> DatasetDict:
    """OCR (cached) every image of a challenge-format CSV, weak-label each row, split by image and save
    the DatasetDict with ``save_to_disk(out_dir)``. ``engine``: a name or an OcrEngine (default: the
    pipeline's DEFAULT_ENGINE)."""
    dd, _ = build(csv_path, images_dir, out_dir, engine=engine, cache_dir=cache_dir, val_fraction=val_fraction,
                  seed=seed)
    return dd


def load_built(out_dir: str | Path) -> DatasetDict:
    """The DatasetDict saved by ``build_dataset`` (a one-line error when the folder holds none)."""
    from datasets import load_from_disk

    p = Path(out_dir)
    if not (p / "dataset_dict.json").is_file():
        raise LayoutxError(f"{p}: no built dataset here (run `python -m layoutx weak-labels --out {p}` first)")
    return load_from_disk(str(p))
