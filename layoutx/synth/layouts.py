"""Scenes: what is printed where on one synthetic product image, and which printed words are the answers.

Each scene paints a backdrop and a product, then writes text with ``Scene.put``; text that is an answer
carries a tag, and ``Scene.ask`` adds a label row (entity, gold value, tag). Distractors of the same
dimension are always present, so a reader has to use the words around a number and its place on the image:

* ``dimension_drawing``: an outlined box (or bottle) with arrows: the horizontal measure is the width, the
  vertical one the height, the receding diagonal the depth; a smaller part measure and a second unit system
  sit beside them;
* ``package_front`` / ``nutrition_panel`` / ``supplement``: net weight among "25g PROTEIN", serving sizes and a
  nutrition table full of g and mg;
* ``max_load``: load capacity badge next to the item's own weight;
* ``rating_plate`` / ``appliance_box``: "AC 100-240V~ 50/60Hz 1200W" spec blocks with amps, hertz, model numbers;
* ``bottle``: "16.9 FL OZ (500 mL)" with a serving size in the same units.
"""

from __future__ import annotations

import math
import random
import string
from collections.abc import Callable

import numpy as np
from PIL import ImageDraw

from layoutx.synth import backgrounds as bg
from layoutx.synth.fonts import FontSpec, font_catalog, load_font
from layoutx.synth.quantities import Qty, make_qty, number_text, pick_unit
from layoutx.synth.render import Box, Canvas, Token, line_size

_SYL = ("ka", "ro", "vi", "ta", "lo", "mi", "ne", "zo", "ba", "ri", "to", "sa", "ve", "lu", "dor", "max", "na", "pro")
PRODUCTS = (
    "Organic Rolled Oats", "Dark Chocolate", "Whole Bean Coffee", "Basmati Rice", "Almond Butter", "Protein Powder",
    "Trail Mix", "Green Tea", "Dog Food", "Cat Treats", "Sea Salt", "Pasta Sauce", "Peanut Butter", "Granola",
    "Honey", "Chia Seeds", "Hand Soap", "Laundry Pods", "Olive Oil", "Energy Drink", "Shampoo", "Body Lotion",
)
CLAIMS = ("NON-GMO", "GLUTEN FREE", "NEW!", "ORGANIC", "Family Size", "Resealable", "Since 1987", "Premium Quality",
          "100% Natural", "No Added Sugar", "Keto Friendly", "Vegan", "Made in USA", "Best Seller")


def brand(rnd: random.Random) -> str:
    name = "".join(rnd.choice(_SYL) for _ in range(rnd.randint(2, 3))).capitalize()
    return name.upper() if rnd.random() < 0.4 else name


def model_number(rnd: random.Random) -> str:
    letters = "".join(rnd.choice(string.ascii_uppercase) for _ in range(rnd.randint(1, 3)))
    return f"{letters}-{rnd.randint(10, 9999)}{rnd.choice(['', '', 'A', 'S', 'Pro'])}"


def words(text: str) -> list[Token]:
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
        angle: int = 0,
        ink: tuple[int, int, int] | None = None,
        max_w: float | None = None,
    ) -> Box:
        """Write a line; shrinks to ``max_w`` and picks an ink that contrasts with what is underneath."""
        assert self.canvas is not None
        spec = self.face(which)
        if "Light" in spec.style and any(t.tag for t in tokens):  # hairline faces blur away under JPEG
            spec = self.head_face
        # answers stay legible: at least ~2.4% of the short side (a small print line on a 1000 px photo)
        floor = max(14, int(self.side * 0.024)) if any(t.tag for t in tokens) else 8
        size = max(floor, int(size))
        font = load_font(spec, size)
        tw, th = line_size(tokens, font)
        if max_w is not None and tw > max_w and size > floor:
            size = max(floor, int(size * max_w / tw))
            font = load_font(spec, size)
            tw, th = line_size(tokens, font)
        rw, rh = (th, tw) if angle in (90, 270) else (tw, th)
        x0 = x - {"l": 0, "m": rw / 2, "r": rw}[anchor[0]]
        y0 = y - {"t": 0, "m": rh / 2, "b": rh}[anchor[1]]
        if ink is None:
            ink = bg.contrast_ink(bg.colour_at(self.canvas.image, (x0, y0, x0 + rw, y0 + rh)), self.rnd)
        return self.canvas.text_line(x, y, tokens, font, ink, angle=angle, anchor=anchor)

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


def _shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
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


# --- scenes --------------------------------------------------------------------------------------------------
def dimension_drawing(s: Scene, primary: str) -> None:
    """Arrows along a product's edges; the printed measure's direction says which dimension it is."""
    rnd = s.rnd
    w, h = s.w, s.h
    # most dimension images are on white
    arr, _ = bg.backdrop(rnd, s.rng, w, h, "plain" if rnd.random() < 0.7 else None)
    three_d = primary == "depth" or rnd.random() < 0.75
    unit = pick_unit(rnd, "width")
    if unit in ("metre", "foot") and rnd.random() < 0.7:
        unit = "centimetre"
    # the drawing follows the measures' proportions (loosely: outlines are clamped to fit the frame)
    base = make_qty(rnd, unit).value
    decimals = {"centimetre": 1, "inch": 2, "millimetre": 0, "metre": 2, "foot": 1}[unit]
    values = {"width": base}
    cap = {"centimetre": 250.0, "inch": 100.0, "millimetre": 2500.0, "metre": 3.0, "foot": 8.0}[unit]
    for k in ("height", "depth"):
        x = min(cap, base * rnd.uniform(0.35, 2.2))
        values[k] = max(0.5 if unit != "millimetre" else 5.0, round(x, rnd.randint(0, decimals)))
    top = max(values.values())
    fw = w * min(0.5, max(0.22, 0.5 * values["width"] / top))
    fh = h * min(0.5, max(0.2, 0.5 * values["height"] / top))
    dx = w * (min(0.2, max(0.07, 0.22 * values["depth"] / top)) if three_d else 0.0)
    dy = dx * rnd.uniform(0.45, 0.7)
    fx0 = w * 0.2 + rnd.uniform(0, max(1.0, w * 0.72 - fw - dx - w * 0.2))
    fy0 = h * 0.12 + dy + rnd.uniform(0, max(1.0, h * 0.74 - fh - dy - h * 0.12))
    fx1, fy1 = fx0 + fw, fy0 + fh
    colour = rnd.choice(bg.PRODUCT_COLOURS)
    photo = not three_d and rnd.random() < 0.6  # a product photo with arrows drawn over it
    if photo:
        bg.paint_product(arr, rnd, (int(fx0), int(fy0), int(fx1), int(fy1)), colour,
                         rnd.choice(["bottle", "jar", "box", "pouch"]))
    canvas = s.start(arr)
    draw = ImageDraw.Draw(canvas.image)
    line_c = rnd.choice([(20, 20, 20), (60, 60, 60), (30, 60, 140), (200, 40, 40), (0, 0, 0)])
    lw = max(1, int(s.side * rnd.uniform(0.002, 0.005)))
    if not photo:
        front = [(fx0, fy0), (fx1, fy0), (fx1, fy1), (fx0, fy1)]
        outline_only = rnd.random() < 0.3
        draw.polygon(front, fill=None if outline_only else colour, outline=line_c, width=lw)
        if three_d:
            top = [(fx0, fy0), (fx0 + dx, fy0 - dy), (fx1 + dx, fy0 - dy), (fx1, fy0)]
            side = [(fx1, fy0), (fx1 + dx, fy0 - dy), (fx1 + dx, fy1 - dy), (fx1, fy1)]
            draw.polygon(top, fill=None if outline_only else _shade(colour, 1.25), outline=line_c, width=lw)
            draw.polygon(side, fill=None if outline_only else _shade(colour, 0.7), outline=line_c, width=lw)
        if rnd.random() < 0.7:  # the brand on the front face
            s.put((fx0 + fx1) / 2, (fy0 + fy1) / 2, words(brand(rnd)), fh * rnd.uniform(0.1, 0.2), "head", "mm",
                  max_w=fw * 0.8)
    size = s.side * rnd.uniform(0.032, 0.06)
    head = max(6.0, s.side * 0.015)
    gap = s.side * rnd.uniform(0.04, 0.07)
    ink = rnd.choice([line_c, (0, 0, 0), (30, 30, 30)])
    prefix = rnd.random() < 0.15
    dual = unit in ("centimetre", "inch") and rnd.random() < 0.25

    def label(entity: str) -> list[Token]:
        q = make_qty(rnd, unit, number_text(values[entity]))
        if unit == "inch" and q.alias == "In":
            q.alias = "in"
        tag = s.ask(entity, q) if entity == primary or rnd.random() < 0.35 else None
        toks = q.tokens(tag, rnd=rnd)
        if prefix:
            toks = [Token({"width": "W:", "height": "H:", "depth": "D:"}[entity])] + toks
        if dual:  # the other unit system in brackets; the first printed one is the answer
            other = (make_qty(rnd, "inch", number_text(round(q.value / 2.54, 1)), "in") if unit == "centimetre"
                     else make_qty(rnd, "centimetre", number_text(round(q.value * 2.54, 1)), "cm"))
            toks += [Token("(" + other.printed_number())] + [Token(t) for t in other.alias.split()[:-1]] + [
                Token(other.alias.split()[-1] + ")")]
        return toks

    # width: horizontal arrow under the front
    y_w = fy1 + gap
    draw.line([(fx0, fy1 + lw * 2), (fx0, y_w + gap * 0.3)], fill=line_c, width=max(1, lw // 2))
    draw.line([(fx1, fy1 + lw * 2), (fx1, y_w + gap * 0.3)], fill=line_c, width=max(1, lw // 2))
    arrow(draw, (fx0, y_w), (fx1, y_w), line_c, lw, head)
    s.put((fx0 + fx1) / 2, y_w + size * 0.35, label("width"), size, "body", "mt", ink=ink, max_w=fw * 1.2)
    # height: vertical arrow left of the front, label rotated or horizontal
    x_h = fx0 - gap
    draw.line([(fx0 - lw * 2, fy0), (x_h - gap * 0.3, fy0)], fill=line_c, width=max(1, lw // 2))
    draw.line([(fx0 - lw * 2, fy1), (x_h - gap * 0.3, fy1)], fill=line_c, width=max(1, lw // 2))
    arrow(draw, (x_h, fy0), (x_h, fy1), line_c, lw, head)
    h_tokens = label("height")
    room = x_h - size * 0.35 - s.side * 0.01
    if rnd.random() < 0.45 or s.text_width(h_tokens, size) > room:  # rotated when it does not fit beside
        s.put(x_h - size * 0.35, (fy0 + fy1) / 2, h_tokens, size, "body", "rm", angle=90, ink=ink, max_w=fh * 1.1)
    else:
        s.put(x_h - size * 0.35, (fy0 + fy1) / 2, h_tokens, size, "body", "rm", ink=ink, max_w=room)
    if three_d:  # depth: along the receding bottom-right edge
        p = (fx1 + gap * 0.6, fy1 + gap * 0.2)
        q = (fx1 + dx + gap * 0.6, fy1 - dy + gap * 0.2)
        arrow(draw, p, q, line_c, lw, head)
        s.put((p[0] + q[0]) / 2 + size * 0.4, (p[1] + q[1]) / 2 + size * 0.2, label("depth"), size, "body", "lt",
              ink=ink, max_w=w - (p[0] + q[0]) / 2 - size)
    if rnd.random() < 0.35:  # a part's measure above the top: a smaller horizontal number, not the width
        part = make_qty(rnd, unit, number_text(max(1.0, round(values["width"] * rnd.uniform(0.15, 0.5), decimals))))
        px0 = fx0 + fw * rnd.uniform(0.1, 0.3)
        px1 = px0 + fw * rnd.uniform(0.2, 0.4)
        y_p = fy0 - dy - gap * 0.8
        if y_p > size * 2:
            arrow(draw, (px0, y_p), (px1, y_p), line_c, max(1, lw // 2), head * 0.7)
            s.put((px0 + px1) / 2, y_p - size * 0.2, part.tokens(rnd=rnd), size * 0.7, "fine", "mb", ink=ink)
    if rnd.random() < 0.35:  # the item weight in a corner: another number with a unit
        wq = make_qty(rnd, pick_unit(rnd, "item_weight"))
        tag = s.ask("item_weight", wq) if rnd.random() < 0.4 else None
        s.put(w * 0.05, h * 0.05, words(rnd.choice(["Weight:", "Net Weight:", "Item weight"])) + wq.tokens(tag, rnd=rnd),
              size * 0.8, "body", "lt", max_w=w * 0.6)
    if rnd.random() < 0.4:
        s.put(w * 0.95, h * 0.96, words(rnd.choice(["Model", "Item No."]) + " " + model_number(rnd)), size * 0.55,
              "fine", "rb")


def _product(s: Scene, kinds: tuple[str, ...], frac: tuple[float, float] = (0.5, 0.75)) -> tuple[
        np.ndarray, tuple[int, int, int, int], tuple[int, int, int], str]:
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


def _label_panel(s: Scene, box: tuple[int, int, int, int], top: float, bottom: float) -> tuple[float, float, float, float]:
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


def _net_weight_tokens(s: Scene, q: Qty, tag: str | None) -> list[Token]:
    """'NET WT 17.6 OZ (500g)': the answer is one of the two; the other is its conversion."""
    rnd = s.rnd
    lead = words(rnd.choice(["NET WT", "Net Wt.", "NET WT.", "Net Weight", "NET WEIGHT:", "Net wt", "e", ""]))
    toks = lead + q.tokens(tag, rnd=rnd)
    if q.unit in ("gram", "ounce", "kilogram", "pound") and rnd.random() < 0.5:
        conv = {"gram": (1 / 28.35, "OZ"), "ounce": (28.35, "g"), "kilogram": (2.2046, "LB"), "pound": (0.4536, "kg")}
        f, alias = conv[q.unit]
        other = number_text(round(q.value * f, 1 if q.unit != "ounce" else 0))
        toks += [Token(f"({other}"), Token(f"{alias})")] if rnd.random() < 0.5 else [Token(f"({other}{alias})")]
    return toks


def package_front(s: Scene, primary: str) -> None:
    rnd = s.rnd
    arr, box, colour, kind = _product(s, ("box", "pouch", "jar", "box"))
    s.start(arr)
    area = _label_panel(s, box, 0.12, 0.92)
    ax0, ay0, ax1, ay1 = area
    aw, ah = ax1 - ax0, ay1 - ay0
    cx = (ax0 + ax1) / 2
    y = ay0
    b = s.put(cx, y, words(brand(rnd)), ah * rnd.uniform(0.08, 0.14), "head", "mt", max_w=aw)
    y = b[3] + ah * 0.03
    b = s.put(cx, y, words(rnd.choice(PRODUCTS)), ah * rnd.uniform(0.05, 0.08), "body", "mt", max_w=aw)
    y = b[3] + ah * 0.04
    q = make_qty(rnd, pick_unit(rnd, "item_weight") if primary == "item_weight" else "gram")
    if q.unit in ("microgram", "ton"):
        q = make_qty(rnd, "gram")
    # same-dimension distractors: protein/fibre callouts, serving size
    if rnd.random() < 0.7:
        g = make_qty(rnd, "gram", str(rnd.choice([3, 5, 8, 10, 12, 20, 25, 30])), rnd.choice(["g", "G", "g"]))
        b = s.put(ax0 + aw * rnd.uniform(0, 0.3), y, g.tokens(glue=True) + words(rnd.choice(["PROTEIN", "FIBER",
                  "Protein", "SUGAR"])), ah * rnd.uniform(0.05, 0.09), "head", "lt", max_w=aw * 0.7)
        y = b[3] + ah * 0.03
    if rnd.random() < 0.6:
        s.put(cx, y, words(rnd.choice(CLAIMS) + " • " + rnd.choice(CLAIMS)), ah * 0.035, "fine", "mt", max_w=aw)
        y += ah * 0.07
    if rnd.random() < 0.35:
        s.put(ax1, y, words(rnd.choice([f"Pack of {rnd.randint(2, 12)}", f"{rnd.randint(2, 48)} Count",
                                         f"{rnd.choice([10, 20, 25, 30, 50])}% MORE FREE"])), ah * 0.045, "body", "rt",
              max_w=aw * 0.6)
    if rnd.random() < 0.3:  # drawn before the answer so that it never covers it
        barcode(s, s.w * rnd.uniform(0.03, 0.1), s.h * rnd.uniform(0.8, 0.85), s.side * rnd.uniform(0.12, 0.18))
    elif rnd.random() < 0.3:
        fine_print(s, s.w * 0.03, s.h * 0.02, s.w * 0.6, rnd.randint(1, 2))
    tag = s.ask("item_weight", q) if primary == "item_weight" else None
    headline = rnd.random() < 0.3
    if headline:  # the weight as a big number
        s.put(cx, ay0 + ah * 0.62, q.tokens(tag, rnd=rnd), ah * rnd.uniform(0.09, 0.16), "head", "mt", max_w=aw)
    if not headline or rnd.random() < 0.3:
        place = rnd.choices(["bottom", "two_lines", "side"], [0.7, 0.18, 0.12 if kind == "box" else 0.0])[0]
        size = ah * rnd.uniform(0.035, 0.06)
        if place == "bottom":
            if rnd.random() < 0.5:
                s.put(cx, ay1 - ah * 0.02, _net_weight_tokens(s, q, tag), size, "body", "mb", max_w=aw)
            else:
                s.put(ax0, ay1 - ah * 0.02, _net_weight_tokens(s, q, tag), size, "body", "lb", max_w=aw)
        elif place == "two_lines":  # "NET WT" over a larger "500 g"
            b = s.put(ax1, ay1 - ah * 0.02, q.tokens(tag, rnd=rnd), size * 1.6, "head", "rb", max_w=aw * 0.6)
            s.put(b[0], b[1] - size * 0.2, words(rnd.choice(["NET WT", "Net Wt.", "NET WEIGHT"])), size * 0.8,
                  "body", "lb")
        else:  # up or down the side of the pack
            angle = rnd.choice([90, 270])
            bw = box[2] - box[0]
            x = box[0] + bw * 0.008 if angle == 90 else box[2] - bw * 0.008
            # on the pack's edge, outside the label panel, in an ink for the pack's own colour
            s.put(x, (box[1] + box[3]) / 2, _net_weight_tokens(s, q, tag), bw * 0.035, "body",
                  "lm" if angle == 90 else "rm", angle=angle, max_w=(box[3] - box[1]) * 0.9,
                  ink=bg.contrast_ink(colour, rnd))
    if rnd.random() < 0.25:  # fine print up the side
        s.put(box[0] + (box[2] - box[0]) * 0.04, (box[1] + box[3]) / 2,
              words(rnd.choice(["Best before: see top", "Store in a cool, dry place", f"Serving size {rnd.randint(15, 40)}g"])),
              s.side * 0.018, "fine", "lm", angle=90)
    _daily_value_corner(s)


def _daily_value_corner(s: Scene) -> None:
    if s.rnd.random() < 0.3:
        s.put(s.w * 0.03, s.h * 0.97, words(f"{s.rnd.randint(20, 99)}% Daily Value Vitamin C"), s.side * 0.022,
              "fine", "lb")


def nutrition_panel(s: Scene, primary: str) -> None:
    """A nutrition-facts table full of g/mg values beside the net weight."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("box", "pouch", "box"), (0.7, 0.85))
    canvas = s.start(arr)
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    tx0, ty0 = x0 + bw * 0.06, y0 + bh * 0.06
    tw = bw * rnd.uniform(0.5, 0.6)
    size = s.side * rnd.uniform(0.022, 0.03)
    lh = s.line_h(size) * 1.25
    rows = [
        ("Serving size", f"{rnd.choice([15, 28, 30, 40, 55])}g"),
        ("Servings Per Container", f"about {rnd.randint(4, 30)}"),
        ("Calories", str(rnd.randint(80, 400))),
        ("Total Fat", f"{rnd.randint(0, 20)}g {rnd.randint(0, 30)}%"),
        ("Saturated Fat", f"{rnd.choice([0, 0.5, 1, 2, 3])}g {rnd.randint(0, 15)}%"),
        ("Cholesterol", f"{rnd.randint(0, 30)}mg {rnd.randint(0, 10)}%"),
        ("Sodium", f"{rnd.randint(0, 400)}mg {rnd.randint(0, 20)}%"),
        ("Total Carbohydrate", f"{rnd.randint(1, 40)}g {rnd.randint(1, 15)}%"),
        ("Dietary Fiber", f"{rnd.randint(0, 8)}g {rnd.randint(0, 30)}%"),
        ("Total Sugars", f"{rnd.randint(0, 20)}g"),
        ("Protein", f"{rnd.randint(1, 25)}g"),
    ]
    th = lh * (len(rows) + 1.6)
    draw = ImageDraw.Draw(canvas.image)
    draw.rectangle((tx0, ty0, tx0 + tw, ty0 + th), fill=(252, 252, 250), outline=(10, 10, 10), width=2)
    ink = (10, 10, 10)
    s.put(tx0 + 6, ty0 + 4, words("Nutrition Facts"), size * 1.5, "head", "lt", ink=ink, max_w=tw - 12)
    y = ty0 + lh * 1.6
    for name, val in rows:
        draw.line((tx0 + 4, y - 2, tx0 + tw - 4, y - 2), fill=ink, width=1)
        s.put(tx0 + 6, y, words(name), size, "body", "lt", ink=ink, max_w=tw * 0.6)
        s.put(tx0 + tw - 6, y, words(val), size, "fine", "rt", ink=ink, max_w=tw * 0.35)
        y += lh
    # ingredients and net weight on the right / below
    q = make_qty(rnd, rnd.choice(["gram", "gram", "ounce", "kilogram", "pound"]))
    tag = s.ask("item_weight", q)
    rx0 = tx0 + tw + bw * 0.04
    if x1 - rx0 > bw * 0.25:
        s.put((rx0 + x1) / 2, y0 + bh * rnd.uniform(0.2, 0.5), words(brand(s.rnd)), bh * 0.06, "head", "mt",
              max_w=x1 - rx0 - bw * 0.04)
    ny = min(y1 - bh * 0.04, ty0 + th + lh * 2)
    s.put(x0 + bw * 0.06, ny, _net_weight_tokens(s, q, tag), s.side * rnd.uniform(0.035, 0.05), "body", "lb",
          max_w=bw * 0.85)
    if rx0 < x1 - bw * 0.2 and rnd.random() < 0.7:
        fine_print(s, rx0, y0 + bh * 0.6, x1 - rx0 - bw * 0.03, rnd.randint(2, 4))
    if rnd.random() < 0.4 and ny + s.side * 0.2 < s.h:
        barcode(s, x1 - bw * 0.3, ny + s.side * 0.02, bw * 0.22)


def supplement(s: Scene, primary: str) -> None:
    """A supplement bottle: the dose in mg/mcg is the item weight; tablet counts and % are distractors."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("jar", "bottle"), (0.45, 0.6))
    s.start(arr)
    area = _label_panel(s, box, 0.3, 0.92)
    ax0, ay0, ax1, ay1 = area
    aw, ah = ax1 - ax0, ay1 - ay0
    cx = (ax0 + ax1) / 2
    b = s.put(cx, ay0, words(brand(rnd)), ah * 0.1, "head", "mt", max_w=aw)
    b = s.put(cx, b[3] + ah * 0.04, words(rnd.choice(["VITAMIN C", "Magnesium", "Omega-3", "Vitamin D3", "Zinc",
                                                      "Turmeric", "Biotin", "Iron"])), ah * 0.1, "head", "mt", max_w=aw)
    unit = rnd.choice(["milligram", "milligram", "milligram", "microgram", "gram"])
    q = make_qty(rnd, unit)
    tag = s.ask("item_weight", q)
    b = s.put(cx, b[3] + ah * 0.05, q.tokens(tag, rnd=rnd) + ([Token("per"), Token("serving")] if rnd.random() < 0.3
              else []), ah * rnd.uniform(0.08, 0.13), "head", "mt", max_w=aw)
    b = s.put(cx, b[3] + ah * 0.05, words(rnd.choice(["Dietary Supplement", "Immune Support", "Extra Strength"])),
              ah * 0.05, "body", "mt", max_w=aw)
    s.put(cx, ay1, words(f"{rnd.choice([30, 60, 90, 120, 180])} {rnd.choice(['Tablets', 'Capsules', 'Softgels'])}"),
          ah * 0.07, "body", "mb", max_w=aw)
    if rnd.random() < 0.5:
        s.put(s.w * 0.04, s.h * 0.04, words(f"{rnd.choice([100, 250, 500, 1000])}% DV"), s.side * 0.04, "head", "lt")


def max_load(s: Scene, primary: str) -> None:
    """Load capacity badge next to the item's own weight and a size."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("box",), (0.45, 0.7))
    canvas = s.start(arr)
    unit = pick_unit(rnd, "maximum_weight_recommendation")
    q = make_qty(rnd, unit, load=True)
    tag = s.ask("maximum_weight_recommendation", q) if primary == "maximum_weight_recommendation" or \
        rnd.random() < 0.6 else None
    r = s.side * rnd.uniform(0.13, 0.18)
    cx = rnd.choice([s.w * 0.2, s.w * 0.8])
    cy = rnd.choice([s.h * 0.2, s.h * 0.78])
    badge = bg.jitter(rnd.choice([(220, 30, 30), (20, 20, 20), (250, 200, 0), (20, 80, 160)]), rnd, 10)
    ImageDraw.Draw(canvas.image).ellipse((cx - r, cy - r, cx + r, cy + r), fill=badge, outline=(255, 255, 255),
                                         width=3)
    s.put(cx, cy - r * 0.35, words(rnd.choice(["MAX LOAD", "LOAD", "CAPACITY", "MAX"])), r * 0.3, "head", "mm",
          max_w=r * 1.6)
    s.put(cx, cy + r * 0.2, q.tokens(tag, rnd=rnd), r * 0.45, "head", "mm", max_w=r * 1.7)
    text_y = s.h * 0.93
    lead = rnd.choice(["Holds up to", "Load capacity:", "Weight capacity", "Max. load", "Supports up to"])
    if rnd.random() < 0.5:
        s.put(s.w / 2, text_y, words(lead) + q.tokens(tag, rnd=rnd), s.side * 0.045, "body", "mb", max_w=s.w * 0.9)
    own = make_qty(rnd, rnd.choice(["kilogram", "pound", "gram"]))
    own_tag = s.ask("item_weight", own) if primary == "item_weight" or rnd.random() < 0.2 else None
    s.put(box[0] + (box[2] - box[0]) / 2, box[1] + (box[3] - box[1]) * 0.4,
          words(rnd.choice(["Net weight", "Item weight:", "Weight"])) + own.tokens(own_tag, rnd=rnd),
          s.side * 0.035, "body", "mm", max_w=(box[2] - box[0]) * 0.9)
    s.put(box[0] + (box[2] - box[0]) / 2, box[1] + (box[3] - box[1]) * 0.6,
          words(brand(rnd) + " " + model_number(rnd)), s.side * 0.03, "fine", "mm", max_w=(box[2] - box[0]) * 0.9)


def _voltage_qty(s: Scene, ranged: bool) -> Qty:
    rnd = s.rnd
    if ranged:
        lo, hi = rnd.choice([(100, 240), (110, 240), (220, 240), (100, 120), (12, 24), (110, 130)])
        return Qty(str(lo), "volt", rnd.choice(["V", "V~", "VAC"]), str(hi))
    return make_qty(rnd, "volt")


def rating_plate(s: Scene, primary: str) -> None:
    """A spec sticker: model, voltage, frequency, power, current, certification marks."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("box",), (0.7, 0.9))
    if rnd.random() < 0.6:
        arr *= 0.35  # dark appliance body
    canvas = s.start(arr)
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    px0, py0 = x0 + bw * rnd.uniform(0.05, 0.15), y0 + bh * rnd.uniform(0.08, 0.2)
    pw = bw * rnd.uniform(0.7, 0.8)
    plate = bg.jitter(rnd.choice([(235, 235, 230), (200, 200, 205), (250, 250, 250)]), rnd, 8)
    size = s.side * rnd.uniform(0.028, 0.042)
    lh = s.line_h(size) * 1.35
    ranged = primary == "voltage" and rnd.random() < 0.2
    v = _voltage_qty(s, ranged or rnd.random() < 0.3)
    watt = make_qty(rnd, rnd.choices(["watt", "kilowatt"], [0.93, 0.07])[0])
    v_tag = s.ask("voltage", v) if primary == "voltage" or (primary == "wattage" and v.high is None
                                                            and rnd.random() < 0.3) else None
    if v.high is not None and primary != "voltage":
        v_tag = None
    w_tag = s.ask("wattage", watt) if primary == "wattage" or rnd.random() < 0.3 else None
    lines: list[list[Token]] = [
        words(rnd.choice(["MODEL:", "Model No.", "Type:"]) + " " + model_number(rnd)),
        words(rnd.choice(["Rated Voltage:", "Input:", "Voltage:", "INPUT"]))
        + ([Token(rnd.choice(["AC", "DC"]))] if rnd.random() < 0.3 else []) + v.tokens(v_tag, rnd=rnd),
        words(rnd.choice(["Rated Frequency:", "Frequency:", ""]) + f" {rnd.choice(['50/60Hz', '50Hz', '60Hz'])}"),
        words(rnd.choice(["Rated Power:", "Power:", "Output:", "Rated Input Power:"])) + watt.tokens(w_tag, rnd=rnd),
        words(f"Current: {rnd.choice([0.5, 1, 2, 2.5, 5, 10])}A"),
    ]
    if rnd.random() < 0.5:
        lines.append(words(rnd.choice(["Battery: 3.7V 2000mAh", "IPX4", "Class II", "Made in China", "800 lm",
                                       "Capacity: 1.5L", "Cord length 1.2 m"])))
    rnd.shuffle(lines[2:])
    ph = lh * (len(lines) + 0.6)
    ImageDraw.Draw(canvas.image).rounded_rectangle((px0, py0, px0 + pw, py0 + ph), radius=int(size * 0.4),
                                                   fill=plate, outline=(40, 40, 40), width=2)
    y = py0 + lh * 0.3
    for toks in lines:
        s.put(px0 + pw * 0.05, y, toks, size, "body", "lt", max_w=pw * 0.9)
        y += lh
    s.put(px0 + pw * 0.05, min(y1 - size, py0 + ph + size), words(rnd.choice(["CE FCC RoHS", "UL Listed", "CE",
                                                                           "Serial No. " + str(rnd.randint(10**7, 10**9))])),
          size * 0.9, "head", "lt")


def appliance_box(s: Scene, primary: str) -> None:
    """A retail box with the power as a headline and a voltage spec line."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("box",), (0.65, 0.85))
    s.start(arr)
    area = _label_panel(s, box, 0.08, 0.92)
    ax0, ay0, ax1, ay1 = area
    aw, ah = ax1 - ax0, ay1 - ay0
    watt = make_qty(rnd, rnd.choices(["watt", "kilowatt"], [0.93, 0.07])[0])
    w_tag = s.ask("wattage", watt) if primary == "wattage" or rnd.random() < 0.5 else None
    v = _voltage_qty(s, primary == "voltage" and rnd.random() < 0.2)
    v_tag = s.ask("voltage", v) if primary == "voltage" or (v.high is None and rnd.random() < 0.25) else None
    b = s.put(ax0, ay0, words(brand(rnd)), ah * 0.08, "head", "lt", max_w=aw * 0.6)
    b = s.put(ax0, b[3] + ah * 0.03, words(rnd.choice(["Hair Dryer", "Electric Kettle", "Blender", "Space Heater",
                                                       "LED Floodlight", "Hand Mixer", "Power Drill",
                                                       "Air Fryer"])), ah * 0.06, "body", "lt", max_w=aw * 0.8)
    b = s.put(ax1, ay0 + ah * 0.35, watt.tokens(w_tag, rnd=rnd), ah * rnd.uniform(0.12, 0.2), "head", "rt",
              max_w=aw * 0.6)
    spec = ([Token(rnd.choice(["AC", "DC", "Input"]))] + v.tokens(v_tag, rnd=rnd)
            + words(rnd.choice(["50/60Hz", "50Hz", "60Hz", "2A", ""])))
    if rnd.random() < 0.5:
        spec += watt.tokens(w_tag, glue=True)
    s.put(ax0, ay1, spec, ah * rnd.uniform(0.04, 0.06), "body", "lb", max_w=aw)
    if rnd.random() < 0.5:
        s.put(ax1, ay1 - ah * 0.12, words(rnd.choice(["3 Speed Settings", "2 Year Warranty", "Pack of 1",
                                                      "Model " + model_number(rnd)])), ah * 0.04, "fine", "rb",
              max_w=aw * 0.6)


def bottle(s: Scene, primary: str) -> None:
    """A drinks / cosmetics bottle: '16.9 FL OZ (500 mL)' with a serving size in the same units."""
    rnd = s.rnd
    arr, box, colour, _ = _product(s, ("bottle", "bottle", "jar"), (0.35, 0.5))
    s.start(arr)
    area = _label_panel(s, box, 0.35, 0.93)
    ax0, ay0, ax1, ay1 = area
    aw, ah = ax1 - ax0, ay1 - ay0
    cx = (ax0 + ax1) / 2
    q = make_qty(rnd, pick_unit(rnd, "item_volume"))
    tag = s.ask("item_volume", q)
    b = s.put(cx, ay0, words(brand(rnd)), ah * 0.12, "head", "mt", max_w=aw)
    b = s.put(cx, b[3] + ah * 0.03, words(rnd.choice(["Spring Water", "Shampoo", "Olive Oil", "Cold Brew",
                                                      "Body Wash", "Orange Juice", "Dish Soap", "Motor Oil"])),
              ah * 0.07, "body", "mt", max_w=aw)
    toks = q.tokens(tag, rnd=rnd)
    conv = {"millilitre": (1 / 29.57, "FL OZ"), "fluid ounce": (29.57, "mL"), "litre": (33.81, "FL OZ"),
            "gallon": (3.785, "L")}
    if q.unit in conv and rnd.random() < 0.6:
        f, alias = conv[q.unit]
        other = number_text(round(q.value * f, 1))
        parts = alias.split()
        toks += [Token("(" + other)] + [Token(p) for p in parts[:-1]] + [Token(parts[-1] + ")")]
    if rnd.random() < 0.3:
        s.put(cx, ay0 + ah * 0.45, words(rnd.choice(["12% ABV", "pH 7.5", "SPF 30", "0 Calories", "Pack of 6"])),
              ah * 0.05, "fine", "mt", max_w=aw)
    s.put(cx, ay1, toks, ah * rnd.uniform(0.06, 0.1), rnd.choice(["body", "head"]), "mb", max_w=aw)
    if rnd.random() < 0.25:
        fine_print(s, ax0, ay0 + ah * 0.55, aw, 2)
    if rnd.random() < 0.4:
        serv = make_qty(rnd, q.unit if q.unit in ("millilitre", "fluid ounce") else "millilitre",
                        rnd.choice(["8", "12", "240", "30", "15"]))
        s.put(s.w * 0.04, s.h * 0.96, words("Serving size") + serv.tokens(rnd=rnd), s.side * 0.025, "fine", "lb")


SCENES: dict[str, Callable[[Scene, str], None]] = {
    "dimension_drawing": dimension_drawing,
    "package_front": package_front,
    "nutrition_panel": nutrition_panel,
    "supplement": supplement,
    "max_load": max_load,
    "rating_plate": rating_plate,
    "appliance_box": appliance_box,
    "bottle": bottle,
}

# primary entity -> [(scene, weight)]
SCENES_FOR: dict[str, tuple[tuple[str, float], ...]] = {
    "width": (("dimension_drawing", 1.0),),
    "height": (("dimension_drawing", 1.0),),
    "depth": (("dimension_drawing", 1.0),),
    "item_weight": (("package_front", 0.5), ("nutrition_panel", 0.25), ("supplement", 0.15),
                    ("dimension_drawing", 0.0), ("max_load", 0.1)),
    "maximum_weight_recommendation": (("max_load", 1.0),),
    "voltage": (("rating_plate", 0.6), ("appliance_box", 0.4)),
    "wattage": (("rating_plate", 0.5), ("appliance_box", 0.5)),
    "item_volume": (("bottle", 1.0),),
}
