"""Generate labeled synthetic product images in the challenge's CSV format, deterministically per seed.

Each image gets its own random streams derived from ``(seed, image number)``, so image k is the same
whatever ``n`` is and the output bytes depend only on the seed (and the installed fonts). The entity mix
of label rows follows the hand-labelled real training images (width/height/depth about three quarters of
the rows): a primary entity is drawn per image with ``PRIMARY_MIX`` and a scene that shows it; dimension
drawings ask the other shown measures of the same product too, like the real labels do.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ImageFilter

from layoutx.core.units import ENTITIES
from layoutx.synth import layouts
from layoutx.synth.backgrounds import colour_at, relight
from layoutx.synth.render import Placed, homography, warp_box

# Primary entity per image. Dimension drawings ask the other shown measures of the same product too (the
# real labelled rows do the same), which brings the row mix near the hand-labelled real training set's
# (test-hand-train, 2,982 OK rows): height 32.0%, width 30.6%, depth 11.9%, item_weight 11.2%,
# maximum_weight_recommendation 5.0%, voltage 4.5%, item_volume 2.6%, wattage 2.1%.
PRIMARY_MIX: dict[str, float] = {
    "height": 0.30,
    "width": 0.28,
    "depth": 0.105,
    "item_weight": 0.11,
    "maximum_weight_recommendation": 0.07,
    "voltage": 0.065,
    "wattage": 0.015,
    "item_volume": 0.055,
}
LABEL_COLUMNS = ("index", "image_link", "group_id", "entity_name", "entity_value")
_GROUPS = {  # plausible challenge-like group ids per scene family
    "dimension_drawing": (311, 752, 7355, 8843, 281678),
    "package_front": (459516, 117266, 16235, 853622), "nutrition_panel": (459516, 117266),
    "supplement": (630869, 150535), "max_load": (529606, 508104),
    "rating_plate": (524635, 603688), "appliance_box": (524635, 603688, 977465), "bottle": (483370, 641311),
    "spec_table": (524635, 529606, 459516, 752),
}


@dataclass
class Sample:
    """One generated image with its label rows and answer word boxes."""

    name: str
    jpeg: bytes
    rows: list[dict[str, str]]
    answers: list[dict]
    scene: str


def _image_size(rnd: random.Random) -> tuple[int, int]:
    side = rnd.choice([600, 640, 700, 750, 800, 800, 850, 900, 1000, 1000])
    r = rnd.random()
    if r < 0.6:
        return side, side
    ratio = rnd.uniform(0.7, 0.9)
    return (side, int(side * ratio)) if r < 0.8 else (int(side * ratio), side)


def _photo_warp(rnd: random.Random, w: int, h: int) -> np.ndarray:
    """Mild perspective and a small tilt: corners move by up to ~3.5% of the side."""
    j = min(w, h) * rnd.uniform(0.0, 0.035)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    dst = src + np.array([[rnd.uniform(-j, j), rnd.uniform(-j, j)] for _ in range(4)])
    tilt = np.radians(rnd.uniform(-2.0, 2.0))
    c, s = np.cos(tilt), np.sin(tilt)
    centre = np.array([w / 2, h / 2])
    dst = (dst - centre) @ np.array([[c, -s], [s, c]]).T + centre
    return homography(src, dst)


def _round_box(b: tuple[float, float, float, float] | None, w: int, h: int) -> list[int] | None:
    if b is None:
        return None
    x0, y0, x1, y1 = b
    return [max(0, int(np.floor(x0))), max(0, int(np.floor(y0))), min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))]


def _inside(b: tuple[float, float, float, float], w: int, h: int) -> bool:
    return b[0] >= 0 and b[1] >= 0 and b[2] <= w and b[3] <= h and b[2] > b[0] and b[3] > b[1]


def render_sample(seed: int, number: int) -> Sample:
    """Image ``number`` of the set generated with ``seed`` (independent of every other image)."""
    for attempt in range(20):
        rnd = random.Random(f"layoutx-synth:{seed}:{number}:{attempt}")
        rng = np.random.default_rng([seed & 0xFFFFFFFF, number, attempt])
        if number < len(ENTITIES):  # the first images of every set show each entity once: n >= 8 covers all
            order = list(ENTITIES)
            random.Random(f"layoutx-synth-order:{seed}").shuffle(order)
            primary = order[number]
        else:
            primary = rnd.choices(list(PRIMARY_MIX), weights=list(PRIMARY_MIX.values()))[0]
        names, weights = zip(*layouts.SCENES_FOR[primary])
        scene_name = rnd.choices(names, weights=weights)[0]
        w, h = _image_size(rnd)
        scene = layouts.Scene(rnd, rng, w, h)
        layouts.SCENES[scene_name](scene, primary)
        canvas = scene.canvas
        if canvas is None:
            continue  # the scene found no room for its layout: draw again with the next attempt's randomness
        answer_words = [p for p in canvas.words if p.tag is not None]
        printed = {p.tag for p in answer_words}
        if not scene.rows or any(tag not in printed for _, _, tag in scene.rows) or \
                not all(_inside(p.box, w, h) for p in answer_words):
            continue  # an answer ran off the image (or was never printed): draw again
        if rnd.random() < 0.75:
            matrix = _photo_warp(rnd, w, h)
            moved = [warp_box(matrix, p.box) for p in answer_words]
            if all(b is not None and _inside(b, w, h) for b in moved):  # else keep the flat image
                canvas.warp(matrix, colour_at(canvas.image, (0, 0, 8, 8)))
        image = canvas.image
        if rnd.random() < 0.6:
            image = relight(image, rnd, rng)
        if rnd.random() < 0.4:
            image = image.filter(ImageFilter.GaussianBlur(rnd.uniform(0.3, 1.1)))
        quality = rnd.randint(70, 92)
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=quality, optimize=False)
        name = f"{number:06d}.jpg"
        group = str(rnd.choice(_GROUPS[scene_name]))
        rows, answers = [], []
        for entity, gold, tag in scene.rows:
            occurrences: dict[int, list[Placed]] = {}
            for p in canvas.words:
                if p.tag == tag:
                    occurrences.setdefault(p.line, []).append(p)
            rows.append({"image_link": name, "group_id": group, "entity_name": entity, "entity_value": gold})
            answers.append({
                "image_link": name, "entity_name": entity, "entity_value": gold, "width": w, "height": h,
                "scene": scene_name, "jpeg_quality": quality,
                "occurrences": [
                    [
                        {
                            "text": p.text, "role": p.role, "box": _round_box(p.box, w, h),
                            **({"value_text": p.text[: p.split], "unit_text": p.text[p.split:],
                                "value_box": _round_box(p.value_box, w, h), "unit_box": _round_box(p.unit_box, w, h)}
                               if p.split else {}),
                        }
                        for p in occ
                    ]
                    for occ in occurrences.values()
                ],
            })
        return Sample(name, buf.getvalue(), rows, answers, scene_name)
    raise RuntimeError(f"could not lay out synthetic image {number} for seed {seed}")


def _render(args: tuple[int, int]) -> Sample:
    return render_sample(*args)


def generate(
    n: int,
    seed: int,
    out_dir: Path | str,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> Path:
    """Write ``n`` images to ``out_dir/images/``, ``labels.csv`` and ``answers.jsonl``; returns ``out_dir``.

    ``labels.csv`` is in the challenge's train.csv format plus ``index``; ``answers.jsonl`` has, per label
    row (same order, same index), every printed occurrence of the answer with each word's pixel box and
    role (value, unit, or value+unit with the two parts' boxes). ``workers`` > 1 renders in that many
    processes; the output is byte-identical to one worker's because each image has its own random streams.
    Images of an earlier, larger set in the same folder (``NNNNNN.jpg`` names this run did not write) are
    removed, so the folder always holds exactly the set that labels.csv describes; other files are kept.
    """
    out = Path(out_dir)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    index = 0
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as fl, \
            (out / "answers.jsonl").open("w", encoding="utf-8") as fa:
        writer = csv.DictWriter(fl, fieldnames=LABEL_COLUMNS, lineterminator="\n")
        writer.writeheader()

        def _write(sample: Sample) -> None:
            nonlocal index
            (images / sample.name).write_bytes(sample.jpeg)
            written.add(sample.name)
            for row, ans in zip(sample.rows, sample.answers):
                writer.writerow({"index": str(index), **row})
                fa.write(json.dumps({"index": str(index), **ans}, sort_keys=True) + "\n")
                index += 1
            if progress is not None:
                progress(1)

        pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 and n > 1 else None
        try:
            samples = (pool.map(_render, ((seed, k) for k in range(n)), chunksize=4) if pool is not None
                       else (render_sample(seed, k) for k in range(n)))
            for sample in samples:
                _write(sample)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
    for stale in images.glob("*.jpg"):
        if _SET_IMAGE.fullmatch(stale.name) and stale.name not in written:
            stale.unlink()
    return out


_SET_IMAGE = re.compile(r"\d{6}\.jpg")


def summarize(out_dir: Path | str) -> dict[str, int]:
    """Rows per entity in a generated set's labels.csv."""
    with (Path(out_dir) / "labels.csv").open(encoding="utf-8") as f:
        return dict(sorted(Counter(r["entity_name"] for r in csv.DictReader(f)).items()))
