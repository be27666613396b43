"""What both backends share: the downscale pre-step, line -> word splitting, thread limits."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

from PIL import Image

from layoutx.core.boxes import split_box
from layoutx.io.images import load_image
from layoutx.ocr.types import OcrResult, Word

# A line box this much taller than wide holds vertical (90/270 degree rotated) text: split it along y.
VERTICAL_RATIO = 1.5


def downscale(image: Image.Image, max_side: int | None) -> tuple[Image.Image, float]:
    """Shrink so the longer side is at most ``max_side`` (None/0 = unchanged); returns the image and the
    factor that maps its pixel coordinates back to the original (original = ocr_pixels * factor)."""
    w, h = image.size
    if not max_side or max(w, h) <= max_side:
        return image, 1.0
    s = max_side / max(w, h)
    small = image.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)
    return small, w / small.size[0]


def quad_to_box(points: Sequence[Sequence[float]], factor: float, width: int, height: int) -> tuple[float, ...]:
    """Four corner points (any rotation) -> axis-aligned (x0, y0, x1, y1) in original pixels, clamped."""
    xs = [float(p[0]) * factor for p in points]
    ys = [float(p[1]) * factor for p in points]
    return (
        min(max(min(xs), 0.0), float(width)),
        min(max(min(ys), 0.0), float(height)),
        min(max(max(xs), 0.0), float(width)),
        min(max(max(ys), 0.0), float(height)),
    )


def line_angle(points: Sequence[Sequence[float]], text: str, bottom_to_top: bool = False) -> float:
    """Reading direction of a line (degrees counter-clockwise, see ``Word.angle``) from its corner points.

    The direction of the quad's long side, folded into (-90, 90]; a vertical line is 90 when the engine
    found it read bottom to top, else -90. A line of one character, or a quad not clearly longer than
    tall, has no direction to read and counts as upright.
    """
    import math

    pts = [(float(p[0]), float(p[1])) for p in points]
    if len(pts) < 3 or len(text.replace(" ", "")) < 2:
        return 0.0
    e1 = (pts[1][0] - pts[0][0], pts[1][1] - pts[0][1])
    e2 = (pts[2][0] - pts[1][0], pts[2][1] - pts[1][1])
    l1, l2 = math.hypot(*e1), math.hypot(*e2)
    (dx, dy), long_, short = (e1, l1, l2) if l1 >= l2 else (e2, l2, l1)
    if long_ < 1.3 * short:
        return 0.0
    a = math.degrees(math.atan2(-dy, dx))  # image y grows downwards
    if a > 90.0:
        a -= 180.0
    elif a <= -90.0:
        a += 180.0
    if abs(a) >= 70.0:
        return 90.0 if bottom_to_top else -90.0
    return round(a, 1)


def line_to_words(text: str, box: tuple[float, ...], confidence: float, bottom_to_top: bool = False,
                  angle: float = 0.0) -> list[Word]:
    """A recognized line -> words split on whitespace with proportional sub-boxes.

    Characters are kept exactly ("500ml" stays one word; cutting value from unit is the weak-label
    stage's job). Vertical lines are split along y: top to bottom, or bottom to top when the backend
    found the text turned counter-clockwise.
    """
    parts = text.split()
    if not parts:
        return []
    x0, y0, x1, y1 = box
    if len(parts) == 1:
        return [Word(parts[0], (x0, y0, x1, y1), confidence, angle)]
    if (y1 - y0) > VERTICAL_RATIO * (x1 - x0):
        subs = split_box((y0, x0, y1, x1), parts[::-1] if bottom_to_top else parts, sep=1)  # transposed
        if bottom_to_top:
            subs = subs[::-1]
        return [Word(p, (b[1], b[0], b[3], b[2]), confidence, angle) for p, b in zip(parts, subs)]
    return [Word(p, b, confidence, angle) for p, b in zip(parts, split_box((x0, y0, x1, y1), parts, sep=1))]


def lines_to_words(
    lines: Iterable[Sequence[Any]], factor: float, width: int, height: int
) -> tuple[Word, ...]:
    """Lines are (points, text, confidence[, bottom_to_top])."""
    words: list[Word] = []
    for line in lines:
        points, text, conf = line[:3]
        b2t = bool(line[3]) if len(line) > 3 else False
        angle = line_angle(points, str(text), b2t)
        words.extend(line_to_words(str(text), quad_to_box(points, factor, width, height), float(conf), b2t, angle))
    return tuple(words)


def limit_threads(n: int | None) -> None:
    """Cap the BLAS/OpenMP pools before a backend loads, so N workers x M threads never exceed the cores."""
    if not n:
        return
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    try:
        import cv2

        cv2.setNumThreads(n)
    except Exception:  # noqa: BLE001 - opencv is optional for the cap
        pass


def plain(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings with tuples as lists, so they compare equal after a JSON/YAML round trip."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()}


Line = tuple[Sequence[Sequence[float]], str, float]  # corner points, text, confidence


def _chars(lines: Sequence[Line]) -> float:
    return sum(float(line[2]) * len(str(line[1]).replace(" ", "")) for line in lines)


def _corners(box: tuple[float, ...]) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = box
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _unrotate(points: Sequence[Sequence[float]], k: int, w: int, h: int) -> list[tuple[float, float]]:
    """Map points found on ``np.rot90(image, k)`` (k=1: 90 deg counter-clockwise, k=3: clockwise) back onto
    the unrotated image of size w x h."""
    if k == 1:
        return [(w - float(p[1]), float(p[0])) for p in points]
    if k == 3:
        return [(float(p[1]), h - float(p[0])) for p in points]
    return [(float(p[0]), float(p[1])) for p in points]


def _turn(angle: float, degrees: float) -> float:
    """``angle`` turned by ``degrees``, in (-180, 180]."""
    a = (angle + degrees) % 360.0
    return a - 360.0 if a > 180.0 else a


class LineEngine:
    """Shared ``__call__`` of the backends: downscale, run the engine's line OCR, optionally retry the
    image turned 90/270 degrees when little text was read, map boxes back, split lines into words."""

    name = "base"
    max_side: int | None = None
    rotate_retry_chars: int = 0

    def _lines(self, array: Any) -> list[Line]:  # pragma: no cover - implemented by backends
        raise NotImplementedError

    def __call__(self, image: Image.Image) -> OcrResult:
        import numpy as np

        t0, c0 = time.perf_counter(), time.process_time()
        image = load_image(image)
        width, height = image.size
        small, factor = downscale(image, self.max_side)
        arr = np.asarray(small)
        lines = self._lines(arr)
        words = lines_to_words(lines, factor, width, height)
        rotation = 0
        if self.rotate_retry_chars and _chars(lines) < self.rotate_retry_chars:
            sw, sh = small.size
            best = _chars(lines)
            for k in (3, 1):  # text turned 90 deg one way or the other
                rotated = np.ascontiguousarray(np.rot90(arr, k))
                cand = self._lines(rotated)
                score = _chars(cand)
                if score > best:
                    # split into words where the text is upright (reading order known), then map back
                    rh, rw = rotated.shape[:2]
                    upright = lines_to_words(cand, 1.0, rw, rh)
                    best, rotation = score, k
                    words = tuple(
                        Word(w.text, quad_to_box(_unrotate(_corners(w.box), k, sw, sh), factor, width, height),
                             w.confidence, _turn(w.angle, -90.0 * k))
                        for w in upright
                    )
        meta: dict[str, Any] = {"seconds": round(time.perf_counter() - t0, 4),
                                "cpu_seconds": round(time.process_time() - c0, 4)}
        if factor != 1.0:
            meta["ocr_size"] = list(small.size)
        if rotation:
            meta["rotation"] = rotation * 90  # degrees the image was turned counter-clockwise to read it
        return OcrResult(words, width, height, self.name, meta)
