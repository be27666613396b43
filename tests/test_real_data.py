"""The real-data path: weak labels on the real OCR boxes of real product photos (test-hand-train), word
orientation on a real dimension drawing, and the real + synthetic training mix (data=real)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from layoutx.labels.dataset import build, build_version
from layoutx.labels.tags import LABEL2ID
from layoutx.labels.tokens import word_number
from layoutx.ocr.pipeline import get_engine
from layoutx.training.data import prepare_dataset

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "test-hand-train"
pytestmark = pytest.mark.skipif(not (REAL / "labels.csv").is_file(), reason="../shared/data/real is not here")

N_ROWS = 14  # the first rows of test-hand-train/labels.csv
# rows whose gold RapidOCR does not read: 21 (38.0 inch) and 41 (9.0 inch) not printed legibly, 38 (8.0 watt)
# read in another unit
UNMATCHED = {"21", "38", "41"}


@pytest.fixture(scope="module")
def few_rows(tmp_path_factory) -> Path:
    with (REAL / "labels.csv").open(newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()[: N_ROWS + 1]
    out = tmp_path_factory.mktemp("real") / "labels.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def built(few_rows, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return build(few_rows, REAL / "images", None, engine=get_engine("rapidocr", threads=2), cache_dir=cache,
                 val_fraction=0.0, workers=1, progress=False)


def test_weak_labels_on_real_ocr_boxes_tag_the_gold_number(built, few_rows):
    dd, stats = built
    rows = list(dd["train"])
    assert stats.rows == len(rows) == N_ROWS
    matched = [r for r in rows if r["matched"]]
    assert stats.matched == len(matched) == N_ROWS - sum(stats.reasons.values())
    assert {r["index"] for r in rows if not r["matched"]} == UNMATCHED  # the gold is not among the OCR words
    gold = {r["index"]: r["entity_value"] for r in csv.DictReader(few_rows.open(encoding="utf-8"))}
    for r in matched:
        value_words = [w for w, t in zip(r["words"], r["tags"]) if t in (LABEL2ID["B-VALUE"], LABEL2ID["I-VALUE"])]
        assert value_words, r["index"]
        number = float(gold[r["index"]].split()[0])
        assert any(number in word_number(w) for w in value_words), (r["index"], value_words, gold[r["index"]])
        assert len(r["orients"]) == len(r["words"]) and set(r["orients"]) <= {0, 1, 2, 3, 4}
        assert all(0 <= v <= 1000 for box in r["boxes"] for v in box)


@pytest.mark.parametrize("index, value", [("109", "40"), ("110", "8")])
def test_real_height_label_is_read_vertically(built, index, value):
    """Rows 109 and 110 ask for the height of drawings whose label runs up the vertical dimension line: the
    tagged number is read bottom to top (orientation class 1), the upright words around it are class 0."""
    dd, _ = built
    row = next(r for r in dd["train"] if r["index"] == index)
    assert row["entity_name"] == "height" and row["matched"]
    tagged = [(w, o) for w, o, t in zip(row["words"], row["orients"], row["tags"]) if t == LABEL2ID["B-VALUE"]]
    assert tagged == [(value, 1)], list(zip(row["words"], row["orients"], row["tags"]))
    assert 0 in row["orients"]


def test_data_real_mixes_real_and_synthetic_rows(few_rows, tmp_path):
    cfg = {"name": "real", "csv": str(few_rows), "images_dir": str(REAL / "images"), "val_fraction": 0.0,
           "split_seed": 0, "synthetic_images": 3, "synthetic_seed": 1}
    ds, summary = prepare_dataset(cfg, {"name": "rapidocr", "threads": 2}, tmp_path / "data", tmp_path / "cache")
    real_rows, syn_rows = summary["real_rows"]["train"], summary["synthetic"]["rows"]["train"]
    assert real_rows == N_ROWS and syn_rows >= 3
    assert len(ds["train"]) == summary["rows"]["train"] == real_rows + syn_rows
    images = ds["train"]["image"]
    assert sum(Path(p).parent == REAL / "images" for p in images) == N_ROWS
    assert "orients" in ds["train"].column_names
    again, _ = prepare_dataset(cfg, {"name": "rapidocr", "threads": 2}, tmp_path / "data", tmp_path / "cache")
    assert again["train"]["words"] == ds["train"]["words"]  # the built datasets are reused
    # ... under a name that carries the labelling code's version: a library upgrade builds anew
    assert Path(summary["real_dataset_dir"]).name.endswith(f"-{build_version()}")
    assert Path(summary["synthetic"]["dataset_dir"]).name.endswith(f"-{build_version()}")
