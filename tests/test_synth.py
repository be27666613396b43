"""Synthetic generator: determinism, challenge-format labels that agree with the ink, exact answer boxes,
legibility to the real OCR engine, and the committed sample."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image

from layoutx.core.units import ENTITIES, allowed_units, resolve_unit
from layoutx.core.values import parse_entity_value
from layoutx.synth import SAMPLE_SEED, SAMPLE_SIZE, generate, sample_dir
from layoutx.synth.fonts import families
from layoutx.synth.legibility import answer_read, printed_unit, printed_value, rapidocr_lines
from tests.conftest import last_json, run_cli

N = 24


def _read(out: Path) -> tuple[list[dict[str, str]], list[dict]]:
    with (out / "labels.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    answers = [json.loads(line) for line in (out / "answers.jsonl").read_text("utf-8").splitlines()]
    return rows, answers


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(N, seed=3, out_dir=tmp_path_factory.mktemp("synth"))


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path, synth_set: Path) -> None:
    again = generate(N, seed=3, out_dir=tmp_path / "again")
    assert _digest(again) == _digest(synth_set)
    other = _digest(generate(6, seed=4, out_dir=tmp_path / "other"))
    first = _digest(synth_set)
    images = [k for k in other if k.startswith("images/")]
    assert len(images) == 6
    assert all(other[k] != first[k] for k in images)
    # image k does not depend on n, nor on the number of worker processes: a shorter run in two
    # processes is a prefix of the longer one
    short_dir = generate(5, seed=3, out_dir=tmp_path / "short", workers=2)
    short = _digest(short_dir)
    assert sorted(k for k in short if k.startswith("images/")) == [f"images/{k:06d}.jpg" for k in range(5)]
    assert all(short[k] == first[k] for k in short if k.startswith("images/"))
    short_rows, _ = _read(short_dir)
    all_rows, _ = _read(synth_set)
    assert short_rows == all_rows[: len(short_rows)]


def test_labels_are_challenge_format_and_cover_all_entities(synth_set: Path) -> None:
    rows, answers = _read(synth_set)
    assert list(rows[0]) == ["index", "image_link", "group_id", "entity_name", "entity_value"]
    assert [r["index"] for r in rows] == [str(i) for i in range(len(rows))]
    assert {r["entity_name"] for r in rows} == set(ENTITIES)  # every set of n >= 8 covers all eight
    assert len({r["image_link"] for r in rows}) == N
    assert len(rows) > N  # some images are asked several entities, like the challenge's
    for row in rows:
        parsed = parse_entity_value(row["entity_value"], row["entity_name"])
        assert parsed.ok, row
        assert parsed.quantity is not None and parsed.quantity.unit in allowed_units(row["entity_name"])
        assert (synth_set / "images" / row["image_link"]).exists()
        assert row["group_id"].isdigit()
    assert [(a["index"], a["entity_value"]) for a in answers] == [(r["index"], r["entity_value"]) for r in rows]


def test_printed_answer_agrees_with_gold_and_boxes_are_inside(synth_set: Path) -> None:
    _, answers = _read(synth_set)
    for ans in answers:
        with Image.open(synth_set / "images" / ans["image_link"]) as im:
            assert im.size == (ans["width"], ans["height"])
            assert im.format == "JPEG"
            assert 500 <= max(im.size) <= 1000
        gold = parse_entity_value(ans["entity_value"], ans["entity_name"]).quantity
        assert gold is not None and ans["occurrences"], ans
        for occ in ans["occurrences"]:
            value, unit = printed_value(occ), printed_unit(occ)
            numbers = tuple(float(x) for x in value.split("-"))  # "100-240" for a printed range
            assert numbers == gold.endpoints(), ans
            assert resolve_unit(unit, ans["entity_name"]) == gold.unit, ans
            for w in occ:
                x0, y0, x1, y1 = w["box"]
                assert 0 <= x0 < x1 <= ans["width"] and 0 <= y0 < y1 <= ans["height"], w
                for part in ("value_box", "unit_box"):
                    if part in w:
                        px0, py0, px1, py1 = w[part]
                        assert x0 <= px0 <= px1 <= x1 and y0 <= py0 <= py1 <= y1, w


def test_answers_are_legible_to_rapidocr(synth_set: Path) -> None:
    """The real OCR reads the printed answer number where the answer box says it is.

    Measured with `python -m layoutx.synth.legibility --n 150 --seed 7`: READ_RATE of rows read; one
    unreadable row in 6 images is tolerated, so the test checks the generator, not RapidOCR's rare misses."""
    rapidocr = pytest.importorskip("rapidocr")
    engine = rapidocr.RapidOCR()
    _, answers = _read(synth_set)
    images = sorted({a["image_link"] for a in answers})[:6]
    read = total = 0
    for name in images:
        lines = rapidocr_lines(engine, synth_set / "images" / name)
        for ans in (a for a in answers if a["image_link"] == name):
            total += 1
            read += answer_read(lines, ans)
    assert total >= 6
    assert read >= total - 1, f"{read} of {total} answers read"


def test_answer_read_needs_the_value_over_the_box() -> None:
    answer = {"occurrences": [[{"text": "500g", "role": "value+unit", "value_text": "500", "unit_text": "g",
                                "box": [10, 10, 60, 30]}]]}
    assert answer_read([([8, 9, 120, 31], "netwt500g")], answer)
    assert not answer_read([([8, 9, 120, 31], "netwt50g")], answer)  # wrong number
    assert not answer_read([([300, 300, 400, 330], "500g")], answer)  # right number, elsewhere


def test_cli_writes_set_and_reports_json(tmp_path: Path) -> None:
    proc = run_cli("synth", "--n", "3", "--seed", "9", "--out", str(tmp_path / "s"), "--no-progress", check=True)
    report = last_json(proc.stdout)
    assert report["n"] == 3 and report["seed"] == 9 and report["out"] == str(tmp_path / "s")
    rows, _ = _read(tmp_path / "s")
    assert sum(report["per_entity"].values()) == len(rows) == report["rows"]
    assert len(list((tmp_path / "s" / "images").glob("*.jpg"))) == 3
    # a smaller set into the same folder: the earlier set's extra images go, a user's own file stays
    (tmp_path / "s" / "images" / "notes.jpg").write_bytes(b"mine")
    run_cli("synth", "--n", "2", "--seed", "9", "--out", str(tmp_path / "s"), "--no-progress", check=True)
    assert sorted(p.name for p in (tmp_path / "s" / "images").glob("*.jpg")) == ["000000.jpg", "000001.jpg",
                                                                              "notes.jpg"]
    assert {r["image_link"] for r in _read(tmp_path / "s")[0]} == {"000000.jpg", "000001.jpg"}
    bad = run_cli("synth", "--n", "0", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr


def test_committed_sample_is_current_and_small() -> None:
    root = sample_dir()
    rows, answers = _read(root)
    assert len({r["image_link"] for r in rows}) == SAMPLE_SIZE
    assert {r["entity_name"] for r in rows} == set(ENTITIES)
    assert len(answers) == len(rows)
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total <= 3 * 1024 * 1024

def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    """Regenerate with `python -c "from layoutx.synth import write_sample; write_sample()"` after a change."""
    manifest = json.loads((sample_dir() / "manifest.json").read_text("utf-8"))
    assert manifest["seed"] == SAMPLE_SEED and manifest["n"] == SAMPLE_SIZE
    if manifest["fonts"] != families():
        pytest.skip(f"the sample was drawn with fonts {manifest['fonts']}; installed: {families()}")
    fresh = generate(SAMPLE_SIZE, SAMPLE_SEED, tmp_path)
    assert (fresh / "labels.csv").read_bytes() == (sample_dir() / "labels.csv").read_bytes()
    assert (fresh / "answers.jsonl").read_bytes() == (sample_dir() / "answers.jsonl").read_bytes()
