"""Drawing text lines on a canvas while recording the exact pixel box of every printed word.

A line is rendered into an 8-bit mask (a transparent layer), rotated, then pasted in its colour: 90°/270°
(labels up the side of a drawing) are lossless transposes, any other angle (a depth label slanted along
its line) an affine resample. Each word's box comes from the font's ink box at the word's own offset,
moved through the same rotation (the axis-aligned box around the rotated word); a word that glues a value
to its unit ("500g") also records the value part's and unit part's boxes, measured from the glyph advance
of the value characters. The final photographic warp (mild perspective + tilt) moves the boxes with the
same homography as the pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Box = tuple[float, float, float, float]


@dataclass
class Token:
    """One printed word. ``tag`` names the answer it belongs to; ``split`` is the value prefix length;
    ``tight`` draws it right after the previous word ("25.4cm" + "/10in"), so it keeps its own box."""

    text: str
    tag: str | None = None
    role: str | None = None  # "value", "unit", "value+unit" for answer words
    split: int | None = None
    tight: bool = False


@dataclass
class Placed:
    """A word on the final image."""

    text: str
    box: Box
    tag: str | None = None
    role: str | None = None
    value_box: Box | None = None
    unit_box: Box | None = None
    line: int = 0
    split: int | None = None


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def line_size(tokens: list[Token], font: Font, space: float | None = None) -> tuple[float, float]:
    """Width and height a line of tokens takes (before rotation)."""
    sp = font.getlength(" ") if space is None else space
    width = sum(font.getlength(t.text) for t in tokens) + sp * sum(1 for t in tokens[1:] if not t.tight)
    asc, desc = font.getmetrics()
    return width, asc + desc


def rotated_size(w: float, h: float, angle: float) -> tuple[float, float]:
    """Width and height of the axis-aligned rectangle around a w x h rectangle turned by ``angle`` degrees."""
    a = math.radians(angle)
    c, s = abs(math.cos(a)), abs(math.sin(a))
    return w * c + h * s, w * s + h * c


def _turn(angle: float, mw: int, mh: int) -> tuple[float, float, float, float, int, int]:
    """Counter-clockwise turn of an mw x mh layer: (cos, sin, x shift, y shift, new width, new height).

    A point (x, y) of the layer lands at (x cos + y sin - x shift, -x sin + y cos - y shift)."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    xs = [x * c + y * s for x, y in ((0, 0), (mw, 0), (mw, mh), (0, mh))]
    ys = [-x * s + y * c for x, y in ((0, 0), (mw, 0), (mw, mh), (0, mh))]
    return c, s, min(xs), min(ys), int(math.ceil(max(xs) - min(xs))), int(math.ceil(max(ys) - min(ys)))


class Canvas:
    """An RGB image under construction plus the words drawn on it."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image
        self.words: list[Placed] = []
        self.lines = 0

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def text_line(
        self,
        x: float,
        y: float,
        tokens: list[Token],
        font: Font,
        fill: tuple[int, int, int],
        angle: float = 0,
        anchor: str = "lt",
        space: float | None = None,
    ) -> Box:
        """Draw ``tokens`` as one line; ``(x, y)`` is where ``anchor`` ('l'/'m'/'r' + 't'/'m'/'b') of the
        rotated line's bounding rectangle lands. ``angle`` turns the line counter-clockwise in degrees: 90
        reads bottom-to-top, 270 top-to-bottom, 30 climbs to the right."""
        sp = font.getlength(" ") if space is None else space
        w, h = line_size(tokens, font, sp)
        pad = 2
        mw, mh = int(np.ceil(w)) + 2 * pad, int(np.ceil(h)) + 2 * pad
        mask = Image.new("L", (mw, mh), 0)
        draw = ImageDraw.Draw(mask)
        local: list[tuple[Token, Box, Box | None, Box | None]] = []
        cx = float(pad)
        for i, tok in enumerate(tokens):
            if i and tok.tight:
                cx -= sp
            draw.text((cx, pad), tok.text, font=font, fill=255)
            bb = draw.textbbox((cx, pad), tok.text, font=font)
            vbox = ubox = None
            if tok.split:
                cut = cx + font.getlength(tok.text[: tok.split])
                vbox = (bb[0], bb[1], min(cut, bb[2]), bb[3])
                ubox = (cut, bb[1], bb[2], bb[3])
            local.append((tok, (float(bb[0]), float(bb[1]), float(bb[2]), float(bb[3])), vbox, ubox))
            cx += font.getlength(tok.text) + sp
        angle = angle % 360
        c, s, shift_x, shift_y, tw, th = _turn(angle, mw, mh)
        if angle == 90:
            mask = mask.transpose(Image.Transpose.ROTATE_90)
        elif angle == 270:
            mask = mask.transpose(Image.Transpose.ROTATE_270)
        elif angle:  # output pixel (u, v) samples the layer at the inverse turn
            mask = mask.transform((tw, th), Image.Transform.AFFINE,
                                  (c, -s, shift_x * c - shift_y * s, s, c, shift_x * s + shift_y * c),
                                  resample=Image.Resampling.BICUBIC)
        rw, rh = mask.size
        ox = x - {"l": 0, "m": rw / 2, "r": rw}[anchor[0]]
        oy = y - {"t": 0, "m": rh / 2, "b": rh}[anchor[1]]
        ox, oy = int(round(ox)), int(round(oy))
        self.image.paste(fill, (ox, oy, ox + rw, oy + rh), mask)

        def move(b: Box | None) -> Box | None:
            if b is None:
                return None
            x0, y0, x1, y1 = b
            if angle == 90:  # (x, y) -> (y, mw - x)
                x0, y0, x1, y1 = y0, mw - x1, y1, mw - x0
            elif angle == 270:  # (x, y) -> (mh - y, x)
                x0, y0, x1, y1 = mh - y1, x0, mh - y0, x1
            elif angle:  # the box around the turned word's four corners
                xs = [x * c + y * s - shift_x for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
                ys = [-x * s + y * c - shift_y for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
                x0, y0, x1, y1 = max(0.0, min(xs)), max(0.0, min(ys)), min(rw, max(xs)), min(rh, max(ys))
            return (x0 + ox, y0 + oy, x1 + ox, y1 + oy)

        self.lines += 1
        for tok, bb, vb, ub in local:
            if not tok.text.strip():
                continue
            self.words.append(
                Placed(tok.text, move(bb), tok.tag, tok.role, move(vb), move(ub), self.lines,  # type: ignore[arg-type]
                       tok.split if tok.tag else None)
            )
        return (float(ox), float(oy), float(ox + rw), float(oy + rh))

    def warp(self, matrix: np.ndarray, fill: tuple[int, int, int]) -> None:
        """Apply a forward homography (3x3, source -> destination pixels) to the image and every box."""
        inv = np.linalg.inv(matrix)
        inv = inv / inv[2, 2]
        coeffs = tuple(float(c) for c in inv.flatten()[:8])
        self.image = self.image.transform(
            self.image.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR, fillcolor=fill
        )
        for word in self.words:
            word.box = warp_box(matrix, word.box)  # type: ignore[assignment]
            word.value_box = warp_box(matrix, word.value_box)
            word.unit_box = warp_box(matrix, word.unit_box)


def warp_box(matrix: np.ndarray, box: Box | None) -> Box | None:
    if box is None:
        return None
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=float) @ matrix.T
    pts = pts[:, :2] / pts[:, 2:3]
    return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


def homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 matrix mapping 4 source points onto 4 destination points."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    h = np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float))
    return np.append(h, 1.0).reshape(3, 3)
