"""`bench real` on a few real hand-labelled product photos: the real OCR engine (fresh cache), the real
rules (and the shipped model when there is one), scored against F1 computed here from the library API."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from layoutx.core.metric import row_outcome, score
from tests.conftest import ROOT, last_json, run_cli

DEV = ROOT.parent / "shared" / "data" / "real" / "test-hand-dev"
SHIPPED_MODEL = ROOT / "layoutx" / "resources" / "model"
N_ROWS = 6  # the first rows of test-hand-dev: heights, a voltage range, a depth, a weight; rules get some wrong


def _tiny_root(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    """tmp/real/dev-mini/{labels.csv, images/} holding the first N_ROWS rows of test-hand-dev."""
    if not (DEV / "labels.csv").is_file():
        pytest.skip("../shared/data/real/test-hand-dev is not on this machine")
    with (DEV / "labels.csv").open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = [r for _, r in zip(range(N_ROWS), reader)]
    set_dir = tmp_path / "real" / "dev-mini"
    (set_dir / "images").mkdir(parents=True)
    with (set_dir / "labels.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        name = r["image_link"].rsplit("/", 1)[-1]
        (set_dir / "images" / name).symlink_to(DEV / "images" / name)
    return set_dir, rows


def _bench(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LAYOUTX_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "layoutx", "bench", "real", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=900)


def test_bench_real_scores_equal_the_library_on_real_photos(tmp_path):
    from layoutx.extractor import Extractor
    from layoutx.models.export import read_meta

    set_dir, rows = _tiny_root(tmp_path)
    cache = tmp_path / "cache"
    model_args = ["--model", str(SHIPPED_MODEL)] if (SHIPPED_MODEL / "config.json").is_file() else ["--rules-only"]
    proc = _bench("--root", str(set_dir.parent), *model_args, "--dump", str(tmp_path / "dump"),
                  "--report", str(tmp_path / "report"), cache=cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = last_json(proc.stdout)

    # the bench OCRs with the model's engine (else the default): so do the library calls below
    ocr_spec = read_meta(SHIPPED_MODEL).get("ocr") if model_args[0] == "--model" else None
    rules_ex = Extractor.rules(ocr=ocr_spec, cache_dir=cache)
    assert list(out["sets"]) == ["dev-mini"] and out["ocr_engine"] == rules_ex.ocr_target()[0]
    entry = out["sets"]["dev-mini"]
    assert (entry["role"], entry["rows"], entry["images"], entry["image_errors"]) == ("dev", N_ROWS, N_ROWS, 0)
    assert entry["ocr"]["ocr_done"] == N_ROWS and entry["ocr"]["cache_hits"] == 0  # a fresh cache: real OCR ran

    # the same rows through the public API (OCR now comes from the cache the bench filled)
    images = [set_dir / "images" / r["image_link"].rsplit("/", 1)[-1] for r in rows]
    rules = rules_ex.predict_batch([(p, r["entity_name"]) for p, r in zip(images, rows)])
    expected = score((r["entity_name"], r["entity_value"], p.text) for r, p in zip(rows, rules)).to_json()
    got = entry["rules"]
    assert (got["f1"], got["f1_strict"], got["precision"], got["recall"]) == (
        expected["f1"], expected["f1_strict"], expected["precision"], expected["recall"])
    assert got["per_entity"] == expected["per_entity"]
    assert set(got["per_entity"]) == {r["entity_name"] for r in rows}
    assert got["rows_per_s"] > 0 and 0 < got["rows_per_s_with_ocr"] < got["rows_per_s"]

    with (tmp_path / "dump" / "dev-mini.csv").open(newline="", encoding="utf-8") as f:
        dumped = list(csv.DictReader(f))
    assert [(d["index"], d["entity_name"], d["gold"], d["rules"]) for d in dumped] == [
        (r["index"], r["entity_name"], r["entity_value"], p.text) for r, p in zip(rows, rules)]

    if model_args[0] == "--model":
        model = Extractor.from_pretrained(SHIPPED_MODEL, cache_dir=cache).predict_batch(
            [(p, r["entity_name"]) for p, r in zip(images, rows)])
        for key, texts in (("model", [p.text for p in model]), ("model_only", [p.model_only_text() for p in model])):
            exp = score((r["entity_name"], r["entity_value"], t) for r, t in zip(rows, texts)).to_json()
            assert (entry[key]["f1"], entry[key]["per_entity"]) == (exp["f1"], exp["per_entity"])
        assert [d["model"] for d in dumped] == [p.text for p in model]
        assert [d["model_source"] for d in dumped] == [p.source for p in model]
        shown = [p.text for p in model]
    else:
        assert out["model"] is None and "model" not in entry and "model_only" not in entry
        assert {d["model"] for d in dumped} == {""}
        shown = [p.text for p in rules]

    # the report draws exactly the rows the reported system got wrong
    wrong = {r["index"] for r, t in zip(rows, shown) if row_outcome(r["entity_value"], t) in ("FP", "FN")}
    report = tmp_path / "report" / "dev-mini"
    assert (report / "index.html").is_file()
    assert {p.stem for p in (report / "rows").glob("*.png")} == wrong


def test_bench_real_ocr_set_overrides_one_engine_setting(tmp_path):
    from layoutx.ocr.cache import OcrCache, engine_key, image_hash
    from layoutx.ocr.pipeline import get_engine

    set_dir, rows = _tiny_root(tmp_path)
    cache = tmp_path / "cache"
    proc = _bench("--root", str(set_dir.parent), "--rules-only", "--limit", "1", "--ocr-set", "rec_min_width=160",
                  cache=cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = last_json(proc.stdout)
    assert out["ocr_settings"]["rec_min_width"] == 160 and out["sets"]["dev-mini"]["ocr"]["ocr_done"] == 1
    image = (set_dir / "images" / rows[0]["image_link"].rsplit("/", 1)[-1]).read_bytes()
    fast, plain = (engine_key(get_engine("rapidocr", threads=1, **s)) for s in ({"rec_min_width": 160}, {}))
    stored = OcrCache(cache)
    assert OcrCache.key(image_hash(image), fast) in stored and OcrCache.key(image_hash(image), plain) not in stored
    proc = _bench("--root", str(set_dir.parent), "--rules-only", "--ocr-set", "rec_min_width", cache=cache)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: --ocr-set expects KEY=VALUE, got 'rec_min_width'"]


def test_bench_real_user_mistakes_are_one_line_exit_2(tmp_path):
    proc = run_cli("bench", "real", "--root", str(tmp_path / "absent"), "--rules-only")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path / 'absent'}: no such directory "
                                                "(the labelled real sets; pass --root DIR)"]
    (tmp_path / "a" / "images").mkdir(parents=True)
    (tmp_path / "a" / "labels.csv").write_text("index,image_link,group_id,entity_name,entity_value\n")
    (tmp_path / "not-a-set").mkdir()
    proc = run_cli("bench", "real", "--root", str(tmp_path), "--sets", "a,b", "--rules-only")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path}: no labelled set b; sets: a"]
