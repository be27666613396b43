"""The visual report: one PNG per input row (placeholders for rows without a drawable image) and an
index.html that lists wrong answers first."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from PIL import Image

from layoutx.predict import run_prediction
from layoutx.synth import generate
from tests.conftest import last_json, run_cli


def test_report_writes_a_png_per_row_and_wrong_answers_first(tmp_path: Path) -> None:
    generate(2, seed=5, out_dir=tmp_path / "gen")
    images = tmp_path / "gen" / "images"
    with (tmp_path / "gen" / "labels.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # one row with a wrong gold so that it must be listed first, one whose image is missing
    rows.append({**rows[0], "index": "50", "entity_value": "999.0 kilogram", "entity_name": "item_weight"})
    rows.append({**rows[0], "index": "51", "image_link": "absent.jpg"})
    inp = tmp_path / "input.csv"
    with inp.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["index", "image_link", "group_id", "entity_name", "entity_value"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    pred = tmp_path / "pred.csv"
    cache = tmp_path / "cache"
    run_prediction({"input": str(inp), "images_dir": str(images), "output": str(pred), "rules_only": True,
                    "cache_dir": str(cache), "progress": False})
    out = tmp_path / "report"
    proc = run_cli("report", "--pred", str(pred), "--input", str(inp), "--images", str(images), "--out", str(out),
                   "--gold", str(inp), "--rules", "--cache-dir", str(cache))
    assert proc.returncode == 0, proc.stderr
    summary = last_json(proc.stdout)
    assert summary["rows"] == len(rows) == summary["pngs"]
    pngs = sorted((out / "rows").glob("*.png"))
    assert sorted(p.stem for p in pngs) == sorted(r["index"] for r in rows)
    for p in pngs:
        with Image.open(p) as im:
            assert im.format == "PNG" and im.width >= 480
    # a drawn row is at least as tall as its (scaled) image plus the banner
    with Image.open(images / rows[0]["image_link"]) as src, Image.open(out / "rows" / f"{rows[0]['index']}.png") as im:
        assert im.height > src.height * min(1.0, 1000 / src.width)
    page = (out / "index.html").read_text(encoding="utf-8")
    order = re.findall(r'<img src="rows/([^"]+)\.png"', page)
    assert sorted(order) == sorted(r["index"] for r in rows)
    outcomes = summary["outcomes"]
    wrong = outcomes.get("FP", 0) + outcomes.get("FN", 0)
    assert wrong >= 2  # the wrong-gold row (FP or FN) and the missing image (FN)
    assert "50" in order[:wrong] and "51" in order[:wrong]
    assert page.count('class="wrong"') == wrong
