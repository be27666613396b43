"""Synthetic generator: determinism, challenge-format labels that agree with the ink, exact answer boxes,
legibility to the real OCR engine, and the committed sample."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from layoutx.core.units import ENTITIES, allowed_units, resolve_unit
from layoutx.core.values import parse_entity_value
from layoutx.synth import SAMPLE_SEED, SAMPLE_SIZE, generate, layouts, render_sample, sample_dir
from layoutx.synth.drawing import KINDS, label_lines, measures, pick_look
from layoutx.synth.fonts import families, font_catalog, load_font
from layoutx.synth.legibility import answer_read, printed_unit, printed_value, rapidocr_lines
from layoutx.synth.render import Canvas, Placed, Token
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
    # one gold per (image, entity): two rows of one entity on one image would contradict each other
    assert max(Counter((r["image_link"], r["entity_name"]) for r in rows).values()) == 1


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



# --- what the scenes draw ---------------------------------------------------------------------------------------
def _scene(name: str, primary: str, k: int, size: tuple[int, int] = (800, 800)) -> layouts.Scene:
    rnd = random.Random(f"test-synth:{name}:{k}")
    s = layouts.Scene(rnd, np.random.default_rng(k), *size)
    layouts.SCENES[name](s, primary)
    return s


def _lines(s: layouts.Scene) -> dict[int, list[Placed]]:
    assert s.canvas is not None
    out: dict[int, list[Placed]] = {}
    for p in s.canvas.words:
        out.setdefault(p.line, []).append(p)
    return out


def _occurrence(words: list[Placed]) -> list[dict]:
    """Placed words as answers.jsonl writes an occurrence."""
    return [{"text": w.text, "role": w.role, "box": list(w.box),
             **({"value_text": w.text[: w.split], "unit_text": w.text[w.split:]} if w.split else {})} for w in words]


def _quantity(text: str, entity: str):
    parsed = parse_entity_value(text, entity)
    assert parsed.ok and parsed.quantity is not None, text
    return parsed.quantity


def _number(text: str) -> float:
    return float("".join(c for c in text if c.isdigit() or c == ".").strip("."))


@pytest.mark.parametrize("angle", [0, 90, 270, 33, -28])
def test_a_turned_line_is_drawn_turned_and_its_word_boxes_cover_the_ink(angle: float) -> None:
    canvas = Canvas(Image.new("RGB", (420, 420), (255, 255, 255)))
    font = load_font(font_catalog()[0], 34)
    tokens = [Token("25.4", "a0", "value"), Token("cm", "a0", "unit"), Token("/10in", tight=True)]
    canvas.text_line(210, 210, tokens, font, (0, 0, 0), angle=angle, anchor="mm")
    ys, xs = np.nonzero(np.asarray(canvas.image.convert("L")) < 128)
    boxes = [w.box for w in canvas.words]
    assert [w.text for w in canvas.words] == ["25.4", "cm", "/10in"]
    union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    assert union[0] - 1 <= xs.min() and xs.max() <= union[2] + 1
    assert union[1] - 1 <= ys.min() and ys.max() <= union[3] + 1
    value, unit = canvas.words[0].box, canvas.words[1].box
    ink_w, ink_h = xs.max() - xs.min(), ys.max() - ys.min()
    if angle == 90:  # reads bottom to top: the first word is lowest, and the line is tall and narrow
        assert value[1] > unit[3] - 2 and ink_h > 3 * ink_w
        assert all(b[3] - b[1] > b[2] - b[0] for b in boxes)
    elif angle == 270:  # top to bottom
        assert value[3] < unit[1] + 2 and ink_h > 3 * ink_w
    elif angle == 0:
        assert value[2] < unit[0] + 2 and ink_w > 3 * ink_h
        assert unit[2] <= canvas.words[2].box[0] + 1  # "/10in" glued on, in its own box
    else:  # slanted: climbs to the right for a positive angle
        assert (value[1] > unit[1]) == (angle > 0) and value[0] < unit[0]
        assert ink_h > 0.3 * ink_w


def test_a_drawing_with_a_rotated_height_label_is_read_where_its_answer_box_says(tmp_path: Path) -> None:
    """A real sample: the height label up the side of a drawing; its answer box is taller than wide and
    RapidOCR reads the printed number inside it."""
    rapidocr = pytest.importorskip("rapidocr")
    for k in range(8, 120):
        sample = render_sample(11, k)
        turned = [a for a in sample.answers if a["entity_name"] == "height" and all(
            w["box"][3] - w["box"][1] > 1.5 * (w["box"][2] - w["box"][0]) for occ in a["occurrences"] for w in occ)]
        if sample.scene == "dimension_drawing" and turned:
            break
    else:
        pytest.fail("no drawing with a rotated height label in 112 images")
    (answer,) = turned
    (tmp_path / sample.name).write_bytes(sample.jpeg)
    assert answer_read(rapidocr_lines(rapidocr.RapidOCR(), tmp_path / sample.name), answer)
    assert float(printed_value(answer["occurrences"][0])) == _quantity(answer["entity_value"], "height").value


def test_two_unit_labels_answer_with_the_first_printed_unit() -> None:
    look = pick_look(layouts.Scene(random.Random(1), np.random.default_rng(1), 800, 800), "centimetre", False)
    printed = {}
    for dual in ("slash", "tight", "paren", "stack"):
        lk = dataclasses.replace(look, dual=dual, second="in", second_decimals=1, prefix="", glue=dual == "tight")
        lines = label_lines(lk, "centimetre", "width", 25.4, "a0", random.Random(0), "cm")
        assert "".join(t.text for t in lines[0] if t.tag == "a0") == "25.4cm" and lines[0][0].tag == "a0"
        assert all(t.tag is None for line in lines for t in line if "10" in t.text)
        printed[dual] = " | ".join(" ".join(t.text for t in line) for line in lines)
    assert printed == {"slash": "25.4 cm / 10 in", "tight": "25.4cm /10in", "paren": "25.4 cm (10in)",
                       "stack": "25.4 cm | 10 in"}
    # on rendered drawings: a label with a second unit has the tagged (gold) one first, the other is the same
    # length converted, and a second unit stacked under it is not printed larger
    inline = stacked = 0
    for k in range(300):
        s = _scene("dimension_drawing", "width", k)
        if s.canvas is None:
            continue
        lines = _lines(s)
        golds = {tag: (entity, gold) for entity, gold, tag in s.rows if entity in ("width", "height", "depth")}
        for n, words in lines.items():
            tags = {w.tag for w in words if w.tag}
            if len(tags) != 1 or not tags <= set(golds) or any(w.text == "x" for w in words):
                continue  # not one measure's label (a caption lists several)
            (tag,) = tags
            q = _quantity(golds[tag][1], golds[tag][0])
            assert next(w for w in words if any(c.isdigit() for c in w.text)).tag == tag
            factor = {"inch": 2.54, "centimetre": 1 / 2.54, "millimetre": 1 / 25.4}.get(q.unit)
            others = [w for w in words if not w.tag and any(c.isdigit() for c in w.text)]
            if others and factor:
                assert _number(others[0].text) == pytest.approx(q.value * factor, rel=0.06, abs=0.06)
                inline += 1
            below = [w for w in lines.get(n + 1, []) if any(c.isdigit() for c in w.text)]
            if not others and factor and below and not below[0].tag and \
                    _number(below[0].text) == pytest.approx(q.value * factor, rel=0.06, abs=0.06):
                assert below[0].box[1] >= words[0].box[1]  # under the gold, not above it
                assert below[0].box[3] - below[0].box[1] <= words[0].box[3] - words[0].box[1] + 1
                stacked += 1
        if inline >= 3 and stacked >= 1:
            break
    assert inline >= 3 and stacked >= 1, (inline, stacked)


def test_flat_drawings_never_ask_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(5)
    for kind, (three_d, _, _) in KINDS.items():
        values = measures(rnd, "centimetre", kind)
        assert ("depth" in values) == three_d and all(v > 0 for v in values.values())
    monkeypatch.setattr("layoutx.synth.drawing.THREE_D_SHARE", 0.0)  # only 2-D drawings, unless depth is asked
    asked = Counter()
    for k in range(30):
        s = _scene("dimension_drawing", "height", k)
        asked.update(e for e, _, _ in s.rows)
    assert asked["height"] >= 25 and asked["width"] >= 15 and asked["depth"] == 0, asked


def test_spec_table_gold_is_the_value_in_its_entitys_row() -> None:
    for k in range(40):
        s = _scene("spec_table", "item_weight", k, (900, 700))
        (entity, gold, tag), *_ = s.rows
        assert entity == "item_weight"
        q = _quantity(gold, entity)
        words = s.canvas.words  # type: ignore[union-attr]
        value = [w for w in words if w.tag == tag]
        assert float(printed_value(_occurrence(value))) == q.value
        assert resolve_unit(printed_unit(_occurrence(value)), entity) == q.unit
        y = (value[0].box[1] + value[0].box[3]) / 2
        key = {w.text for w in words if not w.tag and w.box[1] <= y <= w.box[3] and w.box[2] <= value[0].box[0]}
        assert "Weight" in key and key <= {"Item", "Weight", "Product", "Net"}, key
        for p in (w for w in words if w.text == "Package"):  # "Package Weight": untagged, a heavier number
            py = (p.box[1] + p.box[3]) / 2
            row = [w for w in words if w.box[1] <= py <= w.box[3] and w.box[0] > p.box[2]]
            assert all(not w.tag for w in row)
            if row[0].text == "Weight":
                assert _number(next(w.text for w in row if w.text[0].isdigit())) > q.value
                return
    pytest.fail("no spec table with a Package Weight row beside the Item Weight in 40 scenes")


def test_a_pack_with_a_per_serving_weight_answers_with_the_net_weight() -> None:
    found = 0
    for k in range(60):
        s = _scene("package_front", "item_weight", k)
        lines = _lines(s)
        serving = [ws for ws in lines.values() if any(w.text.lower() in ("serving", "serving:", "each") for w in ws)
                   and any(c.isdigit() for w in ws for c in w.text)]
        if not serving:
            continue
        ((entity, gold, tag),) = s.rows
        q = _quantity(gold, entity)
        for ws in serving:  # printed, never tagged, never the net weight's number in grams
            assert not any(w.tag for w in ws)
            assert not (q.unit == "gram" and q.value in [_number(w.text) for w in ws if w.text[0].isdigit()])
        first = next(ws for ws in lines.values() if any(w.tag == tag for w in ws))
        assert float(printed_value(_occurrence([w for w in first if w.tag == tag]))) == q.value
        found += 1
    assert found >= 5, found


def test_row_mix_leans_on_drawings_like_the_real_training_set(tmp_path: Path) -> None:
    """Lengths are about three quarters of the real hand-labelled rows; the generator keeps that shape."""
    rows, _ = _read(generate(60, seed=21, out_dir=tmp_path))
    counts = Counter(r["entity_name"] for r in rows)
    lengths = counts["width"] + counts["height"] + counts["depth"]
    assert 0.6 <= lengths / len(rows) <= 0.85, counts
    assert counts["height"] > counts["depth"] and counts["width"] > counts["depth"], counts
