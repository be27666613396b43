"""Is every generated answer readable by a real OCR engine? ``python -m layoutx.synth.legibility --n N``.

An answer row counts as read when an OCR line overlapping one of its printed occurrences contains the
printed value (e.g. "16.9", "100-240"). Uses RapidOCR (its ONNX models ship in the wheel); prints a table
and one JSON line with the read share per entity and per scene.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from layoutx.core.tables import print_json, print_table

OcrLines = list[tuple[list[float], str]]


def _norm(text: str) -> str:
    return text.replace(" ", "").replace(",", ".").lower()


def overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / small if small > 0 else 0.0


def printed_value(occurrence: list[dict]) -> str:
    """The value characters of one printed occurrence ("500" of "500g", "100-240" of "100-240V~")."""
    return "".join(w.get("value_text", w["text"]) for w in occurrence if w["role"] in ("value", "value+unit"))


def printed_unit(occurrence: list[dict]) -> str:
    return " ".join(w.get("unit_text", w["text"]) for w in occurrence if w["role"] in ("unit", "value+unit"))


def rapidocr_lines(engine, path: Path | str) -> OcrLines:
    """RapidOCR's lines as (axis-aligned box, normalised text)."""
    result = engine(str(path))
    lines: OcrLines = []
    for quad, text in zip(result.boxes if result.boxes is not None else [], result.txts or ()):
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        lines.append(([min(xs), min(ys), max(xs), max(ys)], _norm(text)))
    return lines


def answer_read(lines: OcrLines, answer: dict) -> bool:
    """Whether some OCR line over an occurrence of the answer holds its printed value."""
    for occ in answer["occurrences"]:
        value = _norm(printed_value(occ))
        boxes = [w["box"] for w in occ]
        if any(value in text and any(overlap(box, b) > 0.3 for b in boxes) for box, text in lines):
            return True
    return False


def measure(folder: Path, engine=None) -> dict:
    """Read share of a generated set's answers, overall, per entity and per scene."""
    if engine is None:
        from rapidocr import RapidOCR

        engine = RapidOCR()
    answers = [json.loads(line) for line in (folder / "answers.jsonl").read_text("utf-8").splitlines()]
    by_image: dict[str, list[dict]] = defaultdict(list)
    for ans in answers:
        by_image[ans["image_link"]].append(ans)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed = []
    for name in sorted(by_image):
        lines = rapidocr_lines(engine, folder / "images" / name)
        for ans in by_image[name]:
            ok = answer_read(lines, ans)
            for key in ("all", f"entity:{ans['entity_name']}", f"scene:{ans['scene']}"):
                counts[key][0] += ok
                counts[key][1] += 1
            if not ok:
                missed.append({"image": name, "value": ans["entity_value"],
                               "printed": printed_value(ans["occurrences"][0]) if ans["occurrences"] else ""})
    return {
        "rows": counts["all"][1], "read": counts["all"][0],
        "rate": round(counts["all"][0] / max(1, counts["all"][1]), 4),
        "per_key": {k: {"rows": v[1], "rate": round(v[0] / v[1], 4)} for k, v in sorted(counts.items()) if k != "all"},
        "missed": missed[:20],
    }


def main(argv: Sequence[str] | None = None) -> int:
    from layoutx.synth.generator import generate

    parser = argparse.ArgumentParser(prog="python -m layoutx.synth.legibility", description=__doc__)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=None, help="an existing generated set (else one is generated)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or generate(args.n, args.seed, Path(tmp))
        report = measure(folder)
    print_table(["key", "rows", "rate"], [(k, v["rows"], v["rate"]) for k, v in report["per_key"].items()])
    print_json({"n": args.n, "seed": args.seed, **report, "seconds": round(time.perf_counter() - t0, 1)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
