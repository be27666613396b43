"""Render known text with Pillow and know exactly where each word is (shared by the OCR tests)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        import matplotlib

        path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        return ImageFont.truetype(str(path), size)
    except Exception:  # noqa: BLE001 - Pillow's bundled scalable font is enough for the tests
        return ImageFont.load_default(size=size)  # type: ignore[return-value]


def render(words: list[str], size: int = 32, pad: int = 24, scale: int = 1) -> tuple[Image.Image, list[tuple]]:
    """One line of black words on white; returns the image and each word's drawn box (x0, y0, x1, y1)."""
    f = font(size * scale)
    space = f.getlength(" ")
    widths = [f.getlength(w) for w in words]
    w = int(pad * scale * 2 + sum(widths) + space * (len(words) - 1))
    # at least half as tall as wide: RapidOCR scales the shorter side up to 736 px, so a thin strip would
    # be OCR'd at several thousand pixels wide and slow the tests down for nothing
    h = max(int(size * scale * 1.5 + pad * scale * 2), w // 2)
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    x, boxes = float(pad * scale), []
    for word, ww in zip(words, widths):
        d.text((x, pad * scale), word, font=f, fill="black")
        boxes.append(d.textbbox((x, pad * scale), word, font=f))
        x += ww + space
    return im, boxes


def rotate(im: Image.Image, boxes: list[tuple], degrees: int) -> tuple[Image.Image, list[tuple]]:
    """Turn the image counter-clockwise by 90 or 270 degrees (PIL convention) and move the boxes along."""
    w, h = im.size
    out = im.rotate(degrees, expand=True)
    moved = []
    for x0, y0, x1, y1 in boxes:
        if degrees == 90:  # (x, y) -> (y, w - x)
            moved.append((y0, w - x1, y1, w - x0))
        elif degrees == 270:  # (x, y) -> (h - y, x)
            moved.append((h - y1, x0, h - y0, x1))
        else:
            raise ValueError(degrees)
    return out, moved


def iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
