"""What every scene shares: the ``Scene`` being composed, made-up brands and model numbers, product shapes,
barcodes, fine print and spec tables, so that scenes differ only in what they print where."""

from __future__ import annotations

import math
import random
import string

import numpy as np
from PIL import ImageDraw

from layoutx.synth import backgrounds as bg
from layoutx.synth.fonts import FontSpec, font_catalog, load_font
from layoutx.synth.quantities import Qty
from layoutx.synth.render import Box, Canvas, Token, line_size, rotated_size

_SYL = ("ka", "ro", "vi", "ta", "lo", "mi", "ne", "zo", "ba", "ri", "to", "sa", "ve", "lu", "dor", "max", "na", "pro")
PRODUCTS = (
    "Organic Rolled Oats", "Dark Chocolate", "Whole Bean Coffee", "Basmati Rice", "Almond Butter", "Protein Powder",
    "Trail Mix", "Green Tea", "Dog Food", "Cat Treats", "Sea Salt", "Pasta Sauce", "Peanut Butter", "Granola",
    "Honey", "Chia Seeds", "Hand Soap", "Laundry Pods", "Olive Oil", "Energy Drink", "Shampoo", "Body Lotion",
)
CLAIMS = ("NON-GMO", "GLUTEN FREE", "NEW!", "ORGANIC", "Family Size", "Resealable", "Since 1987", "Premium Quality",
          "100% Natural", "No Added Sugar", "Keto Friendly", "Vegan", "Made in USA", "Best Seller")


def brand(rnd: random.Random) -> str:
    """A made-up brand name: a word that is no quantity."""
    name = "".join(rnd.choice(_SYL) for _ in range(rnd.randint(2, 3))).capitalize()
    return name.upper() if rnd.random() < 0.4 else name


def model_number(rnd: random.Random) -> str:
    """'KX-2040Pro': digits that are no quantity."""
    letters = "".join(rnd.choice(string.ascii_uppercase) for _ in range(rnd.randint(1, 3)))
    return f"{letters}-{rnd.randint(10, 9999)}{rnd.choice(['', '', 'A', 'S', 'Pro'])}"


def words(text: str) -> list[Token]:
    """Plain (non-answer) tokens of a text."""
    return [Token(w) for w in text.split()]


class Scene:
    """One image being composed: random sources, canvas, fonts and the label rows asked about it."""

    def __init__(self, rnd: random.Random, rng: np.random.Generator, w: int, h: int) -> None:
        self.rnd, self.rng, self.w, self.h = rnd, rng, w, h
        self.side = min(w, h)
        self.canvas: Canvas | None = None
        self.rows: list[tuple[str, str, str]] = []  # (entity, gold, tag)
        faces = font_catalog()
        self.faces = faces
        self.bold = [f for f in faces if f.bold] or list(faces)
        self.regular = [f for f in faces if not f.bold] or list(faces)
        # each image uses a few faces, like a real pack: headline, body, fine print
        self.head_face = rnd.choice(self.bold)
        self.body_face = rnd.choice(self.regular if rnd.random() < 0.6 else self.bold)
        self.fine_face = rnd.choice(self.regular)

    # --- composition -------------------------------------------------------------------------------------
    def start(self, arr: np.ndarray) -> Canvas:
        self.canvas = Canvas(bg.to_image(arr))
        return self.canvas

    def ask(self, entity: str, qty: Qty) -> str:
        tag = f"a{len(self.rows)}"
        self.rows.append((entity, qty.gold(entity), tag))
        return tag

    def drop(self, tag: str) -> None:
        """Withdraw an asked row whose answer could not be printed (no free spot for it)."""
        self.rows = [r for r in self.rows if r[2] != tag]

    def tag_of(self, entity: str) -> str | None:
        return next((t for e, _, t in self.rows if e == entity), None)

    def face(self, which: str) -> FontSpec:
        return {"head": self.head_face, "body": self.body_face, "fine": self.fine_face}[which]

    def put(
        self,
        x: float,
        y: float,
        tokens: list[Token],
        size: float,
        which: str = "body",
        anchor: str = "lt",
        angle: float = 0,
        ink: tuple[int, int, int] | None = None,
        max_w: float | None = None,
    ) -> Box:
        """Write a line; shrinks to ``max_w`` (along the line) and picks an ink that contrasts with what is
        underneath. ``angle`` turns it counter-clockwise (see ``Canvas.text_line``)."""
        assert self.canvas is not None
        font = self._font(tokens, size, which, max_w)
        x0, y0, x1, y1 = self.extent(x, y, tokens, size, which, anchor, angle, max_w)
        if ink is None:
            ink = bg.contrast_ink(bg.colour_at(self.canvas.image, (x0, y0, x1, y1)), self.rnd)
        return self.canvas.text_line(x, y, tokens, font, ink, angle=angle, anchor=anchor)

    def _font(self, tokens: list[Token], size: float, which: str, max_w: float | None):
        spec = self.face(which)
        if "Light" in spec.style and any(t.tag for t in tokens):  # hairline faces blur away under JPEG
            spec = self.head_face
        # answers stay legible: at least ~2.4% of the short side (a small print line on a 1000 px photo)
        floor = max(14, int(self.side * 0.024)) if any(t.tag for t in tokens) else 8
        size = max(floor, int(size))
        font = load_font(spec, size)
        tw = line_size(tokens, font)[0]
        if max_w is not None and tw > max_w and size > floor:
            font = load_font(spec, max(floor, int(size * max_w / tw)))
        return font

    def extent(
        self,
        x: float,
        y: float,
        tokens: list[Token],
        size: float,
        which: str = "body",
        anchor: str = "lt",
        angle: float = 0,
        max_w: float | None = None,
    ) -> Box:
        """The rectangle ``put`` with the same arguments would cover, without drawing (to place labels
        where they fit before any is drawn)."""
        tw, th = line_size(tokens, self._font(tokens, size, which, max_w))
        rw, rh = rotated_size(tw + 4, th + 4, angle)  # text_line pads its layer by 2 px
        x0 = x - {"l": 0, "m": rw / 2, "r": rw}[anchor[0]]
        y0 = y - {"t": 0, "m": rh / 2, "b": rh}[anchor[1]]
        return (x0, y0, x0 + rw, y0 + rh)

    def text_width(self, tokens: list[Token], size: float, which: str = "body") -> float:
        return line_size(tokens, load_font(self.face(which), max(7, int(size))))[0]

    def line_h(self, size: float, which: str = "body") -> float:
        return line_size([Token("Ag")], load_font(self.face(which), max(7, int(size))))[1]


# --- drawing helpers -----------------------------------------------------------------------------------------
def arrow(draw: ImageDraw.ImageDraw, p: tuple[float, float], q: tuple[float, float], colour, width: int, head: float):
    """A double-headed dimension arrow from p to q."""
    draw.line([p, q], fill=colour, width=width)
    ang = math.atan2(q[1] - p[1], q[0] - p[0])
    for (x, y), a in ((p, ang), (q, ang + math.pi)):
        left = (x + head * math.cos(a + 0.45), y + head * math.sin(a + 0.45))
        right = (x + head * math.cos(a - 0.45), y + head * math.sin(a - 0.45))
        draw.polygon([(x, y), left, right], fill=colour)


def shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    """A colour made darker (f < 1) or lighter (f > 1): the faces of a box in one light."""
    return tuple(int(max(0, min(255, v * f))) for v in c)  # type: ignore[return-value]


def barcode(s: Scene, x: float, y: float, width: float) -> None:
    """A UPC-like barcode with its digits under it: numbers that are no quantity."""
    assert s.canvas is not None
    rnd = s.rnd
    height = width * rnd.uniform(0.35, 0.5)
    draw = ImageDraw.Draw(s.canvas.image)
    draw.rectangle((x - 4, y - 4, x + width + 4, y + height + width * 0.16), fill=(255, 255, 255))
    cx = x
    while cx < x + width:
        bar = rnd.choice([1, 1, 2, 3]) * max(1.0, width / 95)
        if rnd.random() < 0.55:
            draw.rectangle((cx, y, cx + bar - 0.5, y + height), fill=(0, 0, 0))
        cx += bar
    digits = f"{rnd.randint(0, 9)} {rnd.randint(10000, 99999)} {rnd.randint(10000, 99999)} {rnd.randint(0, 9)}"
    s.put(x + width / 2, y + height + 1, words(digits), width * 0.12, "fine", "mt", ink=(0, 0, 0), max_w=width)


FINE_PRINT = (
    "INGREDIENTS: whole grain oats, cane sugar, sunflower oil, sea salt, natural flavor.",
    "Distributed by {b} Foods Inc., Chicago, IL 60601. Product of USA.",
    "Store in a cool, dry place. Best before: see top of pack.",
    "Contains: milk, soy. May contain traces of tree nuts.",
    "Keep out of reach of children. Do not exceed the stated dose.",
    "Questions? Call 1-800-{n} or visit www.{b}.com",
)


def fine_print(s: Scene, x: float, y: float, width: float, lines: int) -> float:
    """A few lines of tiny text (ingredients, addresses); returns the y under them."""
    rnd = s.rnd
    size = max(8.0, s.side * rnd.uniform(0.012, 0.018))
    for _ in range(lines):
        text = rnd.choice(FINE_PRINT).format(b=brand(rnd).lower(), n=rnd.randint(100, 999) * 10000 + rnd.randint(0, 9999))
        b = s.put(x, y, words(text), size, "fine", "lt", max_w=width)
        y = b[3] + size * 0.2
    return y




def product_photo(s: Scene, kinds: tuple[str, ...], frac: tuple[float, float] = (0.5, 0.75)) -> tuple[
        np.ndarray, tuple[int, int, int, int], tuple[int, int, int], str]:
    """A backdrop with one product shape on it: (pixels, product box, colour, kind)."""
    rnd, w, h = s.rnd, s.w, s.h
    arr, _ = bg.backdrop(rnd, s.rng, w, h)
    kind = rnd.choice(kinds)
    pw = int(w * rnd.uniform(*frac))
    ph = int(h * rnd.uniform(0.7, 0.9)) if kind in ("bottle",) else int(h * rnd.uniform(frac[0] + 0.1, 0.88))
    x0 = int((w - pw) / 2 + rnd.uniform(-0.05, 0.05) * w)
    y0 = int((h - ph) / 2 + rnd.uniform(-0.03, 0.03) * h)
    box = (max(4, x0), max(4, y0), min(w - 4, x0 + pw), min(h - 4, y0 + ph))
    colour = bg.jitter(rnd.choice(bg.PRODUCT_COLOURS), rnd, 15)
    bg.paint_product(arr, rnd, box, colour, kind)
    bg.grain(arr, s.rng, rnd.uniform(0, 4))
    return arr, box, colour, kind


def label_panel(s: Scene, box: tuple[int, int, int, int], top: float, bottom: float) -> tuple[float, float, float, float]:
    """An optional lighter label on the product; returns the printable area."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    area = (x0 + bw * 0.1, y0 + bh * top, x1 - bw * 0.1, y0 + bh * bottom)
    if s.rnd.random() < 0.5:
        assert s.canvas is not None
        fill = bg.jitter(s.rnd.choice([(250, 248, 240), (255, 255, 255), (240, 230, 200), (30, 30, 30)]), s.rnd, 8)
        ImageDraw.Draw(s.canvas.image).rounded_rectangle(
            (area[0] - bw * 0.04, area[1] - bh * 0.02, area[2] + bw * 0.04, area[3] + bh * 0.02),
            radius=int(bw * 0.03), fill=fill)
    return area



SPEC_STYLES = ("zebra", "lines", "grid", "columns")


def spec_table(
    s: Scene,
    x0: float,
    y0: float,
    width: float,
    rows: list[tuple[str, list[Token]]],
    size: float,
    style: str | None = None,
    key_frac: float | None = None,
) -> Box:
    """An Amazon-style spec table ("Item Weight | 200 Grams"); returns the box it covers.

    ``zebra``/``lines``/``grid`` put one key and its value per row, the key column in the bold face;
    ``columns`` puts the keys in a header row over one row of values (the infographic strip under a
    drawing). Value tokens may carry answer tags: the row's key is what says which entity a number is."""
    assert s.canvas is not None
    rnd = s.rnd
    style = style or rnd.choice(SPEC_STYLES)
    draw = ImageDraw.Draw(s.canvas.image)
    lh = s.line_h(size) * rnd.uniform(1.5, 1.9)
    ink, key_ink = (20, 20, 20), rnd.choice([(20, 20, 20), (60, 60, 60), (15, 17, 17)])
    rule = rnd.choice([(200, 200, 200), (150, 150, 150), (90, 90, 90)])
    if style == "columns":
        cw = width / len(rows)
        head_fill = bg.jitter(rnd.choice([(200, 200, 200), (225, 225, 225), (60, 60, 60)]), rnd, 6)
        draw.rectangle((x0, y0, x0 + width, y0 + 2 * lh), fill=(250, 250, 250))
        draw.rectangle((x0, y0, x0 + width, y0 + lh), fill=head_fill)
        for i, (key, value) in enumerate(rows):
            cx = x0 + cw * (i + 0.5)
            s.put(cx, y0 + lh / 2, words(key), size * 0.9, "head", "mm", max_w=cw * 0.92)
            s.put(cx, y0 + lh * 1.5, value, size, "body", "mm", ink=ink, max_w=cw * 0.92)
            if i:
                draw.line((x0 + cw * i, y0, x0 + cw * i, y0 + 2 * lh), fill=rule, width=1)
        draw.rectangle((x0, y0, x0 + width, y0 + 2 * lh), outline=rule, width=1)
        return (x0, y0, x0 + width, y0 + 2 * lh)
    key_w = width * (key_frac or rnd.uniform(0.4, 0.5))
    y = y0
    for i, (key, value) in enumerate(rows):
        if style == "zebra" and i % 2 == 0:
            draw.rectangle((x0, y, x0 + width, y + lh), fill=(240, 242, 242))
        elif style == "grid":
            draw.rectangle((x0, y, x0 + key_w, y + lh), fill=(234, 237, 237))
            draw.rectangle((x0, y, x0 + width, y + lh), outline=rule, width=1)
        s.put(x0 + size * 0.5, y + lh / 2, words(key), size, "head", "lm", ink=key_ink, max_w=key_w - size)
        s.put(x0 + key_w + size * 0.5, y + lh / 2, value, size, "body", "lm", ink=ink, max_w=width - key_w - size)
        y += lh
        if style == "lines":
            draw.line((x0, y, x0 + width, y), fill=rule, width=1)
    if style == "grid":
        draw.line((x0 + key_w, y0, x0 + key_w, y), fill=rule, width=1)
    return (x0, y0, x0 + width, y)
