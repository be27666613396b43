"""Box arithmetic shared by OCR (lines -> words), weak labels (glued words -> sub-words) and the model
(pixel boxes -> LayoutLMv3's 0..1000 grid)."""

from __future__ import annotations

from collections.abc import Sequence

Box = tuple[float, float, float, float]


def split_box(box: Box, parts: Sequence[str], sep: int = 0) -> list[Box]:
    """Horizontal sub-boxes proportional to each part's character count.

    ``sep`` characters are assumed between parts (1 when a line is split on spaces, 0 when a glued word
    such as "500ml" is cut into "500" and "ml"), so the sub-boxes line up with the original characters.
    """
    x0, y0, x1, y1 = box
    total = sum(len(p) for p in parts) + sep * max(len(parts) - 1, 0)
    if total == 0:
        return [box for _ in parts]
    per_char = (x1 - x0) / total
    out: list[Box] = []
    cursor = 0
    for p in parts:
        a = x0 + cursor * per_char
        b = x0 + (cursor + len(p)) * per_char
        out.append((a, y0, b, y1))
        cursor += len(p) + sep
    return out


def normalize_box(box: Box, width: int, height: int) -> list[int]:
    """Pixel box -> integers on the 0..1000 grid, clamped (LayoutLMv3 rejects values outside) and with
    x0 <= x1, y0 <= y1."""
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    x0, y0, x1, y1 = box
    vals = [x0 / width * 1000, y0 / height * 1000, x1 / width * 1000, y1 / height * 1000]
    c = [int(round(min(1000.0, max(0.0, v)))) for v in vals]
    return [min(c[0], c[2]), min(c[1], c[3]), max(c[0], c[2]), max(c[1], c[3])]
