"""Dimension drawings as catalog images draw them: a product silhouette with dimension lines and labels.

What the real catalog images show, and so what this draws (gold as in data/real/LABELLING.md):

* 3-D products (boxes, cabinets, tables, stools, benches) in oblique or near-isometric view: the horizontal
  (or nearly horizontal) front line is the width, the vertical line the height, the slanted third line
  the depth;
* 2-D drawings (cylinders, frames, bowls, trays, tubes, bulbs, bottles) with only a horizontal and a
  vertical measure: width and height, and no depth row is asked;
* labels along their lines: a vertical label usually turned 90° (read bottom to top) or 270° (top to
  bottom, mostly on the right), a depth label slanted along its line, or a label in a gap of its line;
* one measure in two units ("10 in / 25.4 cm", "25.4cm/10in", '76 cm(29.9")', or two stacked lines): the
  first printed unit is the gold, the other a distractor;
* several sizes of a product side by side, each with its own lines: the first, largest one, with the
  largest labels, is the one asked about;
* a person (with their own height line, a distractor) or a hand for scale, a "W x D x H" caption, a spec
  strip, the item weight or a max-load badge beside the drawing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import ImageDraw

from layoutx.synth import backgrounds as bg
from layoutx.synth.quantities import Qty, make_qty, number_text, pick_unit
from layoutx.synth.render import Box, Token
from layoutx.synth.scene import Scene, arrow, brand, model_number, shade, spec_table, words

RGB = tuple[int, int, int]
Point = tuple[float, float]

DECIMALS = {"centimetre": 1, "inch": 2, "millimetre": 0, "metre": 2, "foot": 1}
# the largest measure of a product is drawn log-uniformly from this range
RANGE = {"centimetre": (4.0, 200.0), "inch": (2.0, 80.0), "millimetre": (30.0, 2000.0), "metre": (0.6, 3.0),
         "foot": (1.5, 8.0)}
# the same measure printed again in another unit: unit -> (factor to it, its aliases)
SECOND = {"centimetre": (1 / 2.54, ("in", '"', "inch", "in", '"')), "inch": (2.54, ("cm", "cm", "CM")),
          "millimetre": (1 / 25.4, ("in", '"', "inch"))}
PREFIX = {"W:": ("W:", "H:", "D:"), "Width:": ("Width:", "Height:", "Depth:"), "W": ("W", "H", "D")}
# silhouette -> (3-D, height/width range, depth/width range)
KINDS: dict[str, tuple[bool, tuple[float, float], tuple[float, float]]] = {
    "box": (True, (0.4, 1.6), (0.35, 1.0)),
    "cabinet": (True, (1.0, 2.2), (0.45, 0.8)),
    "table": (True, (0.45, 0.9), (0.45, 0.9)),
    "stool": (True, (1.3, 2.2), (0.75, 1.0)),
    "bench": (True, (0.25, 0.45), (0.22, 0.4)),
    "cylinder": (False, (0.8, 2.4), (0.0, 0.0)),
    "frame": (False, (0.6, 1.6), (0.0, 0.0)),
    "bowl": (False, (0.3, 0.6), (0.0, 0.0)),
    "tray": (False, (0.06, 0.15), (0.0, 0.0)),
    "tube": (False, (5.0, 12.0), (0.0, 0.0)),
    "bulb": (False, (1.5, 2.0), (0.0, 0.0)),
    "bottle": (False, (1.6, 2.6), (0.0, 0.0)),
    "jar": (False, (0.9, 1.4), (0.0, 0.0)),
    "pouch": (False, (1.1, 1.6), (0.0, 0.0)),
}
KINDS_3D = (("box", 0.4), ("cabinet", 0.18), ("table", 0.15), ("stool", 0.12), ("bench", 0.15))
KINDS_2D = (("cylinder", 0.14), ("frame", 0.14), ("bowl", 0.1), ("tray", 0.08), ("tube", 0.05), ("bulb", 0.07),
            ("bottle", 0.2), ("jar", 0.12), ("pouch", 0.1))
PHOTO = ("bottle", "jar", "pouch")  # painted with backgrounds.paint_product
FURNITURE = ("cabinet", "table", "stool", "bench", "box")
THREE_D_SHARE = 0.45
# how often a shown measure of the main product is asked when it is not the image's primary entity
ASK = {"width": 0.9, "height": 0.9, "depth": 0.55}
SKIN = ((241, 194, 167), (224, 172, 138), (198, 134, 99), (141, 85, 54), (250, 214, 190))
LABEL_ALIASES = {"inch": ("in", '"', '"', "inch", "Inch"), "centimetre": ("cm", "cm", "cm", "CM"),
                 "millimetre": ("mm", "mm", "MM"), "metre": ("m", "M"), "foot": ("ft", "feet")}
CAPTION_ALIAS = {"inch": '"', "centimetre": "cm", "millimetre": "mm", "metre": "m", "foot": "ft"}
INCH_PER = {"centimetre": 1 / 2.54, "inch": 1.0, "millimetre": 1 / 25.4, "metre": 39.37, "foot": 12.0}


@dataclass
class Solid:
    """A product outline: front-left-bottom corner ``p0``, width vector ``ew``, height ``eh`` (pixels, up)
    and depth vector ``ed`` (up and to the right; zero on a 2-D drawing)."""

    kind: str
    p0: Point
    ew: Point
    eh: float
    ed: Point

    def at(self, fw: float, fh: float, fd: float) -> Point:
        """The point ``fw`` of the way along the width, ``fh`` up the height and ``fd`` into the depth."""
        x = self.p0[0] + fw * self.ew[0] + fd * self.ed[0]
        return (x, self.p0[1] + fw * self.ew[1] - fh * self.eh + fd * self.ed[1])

    def box(self) -> Box:
        pts = [self.at(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]
        return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))

    def footprint(self) -> list[Box]:
        """Rectangles around the front and the back face: what labels must keep clear of (the box around
        a 3-D solid would also claim its empty corners, where the depth label goes)."""
        out = []
        for d in (0, 1):
            pts = [self.at(a, b, d) for a in (0, 1) for b in (0, 1)]
            out.append((min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts)))
        return out


@dataclass
class Look:
    """One drawing's style, shared by all its lines and labels, as one designer draws one image."""

    line: RGB
    lw: int
    ends: str  # arrow, open, tick, slash
    head: float
    ext: bool  # extension lines from the product to the dimension line
    ink: RGB
    size: float
    which: str
    glue: bool  # "25.4cm" rather than "25.4 cm"
    prefix: str  # "", "W:", "Width:", "W"
    dual: str  # "", slash, tight, paren, stack
    second: str  # alias of the second unit
    second_decimals: int
    v_left: float  # angle of a rotated label on a left vertical line (90 or 270)
    v_right: float
    upright: bool  # vertical labels written horizontally beside their line
    slant: bool  # depth label along its slanted line
    inline: bool  # labels in a gap of their line
    gap: float  # product -> dimension line
    off: float  # dimension line -> label


def _pick(rnd: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*table)
    return rnd.choices(names, weights=weights)[0]


def measures(rnd: random.Random, unit: str, kind: str) -> dict[str, float]:
    """Width, height (and depth for 3-D kinds) in ``unit``, in the kind's proportions, as printed numbers."""
    three_d, (hlo, hhi), (dlo, dhi) = KINDS[kind]
    rh = rnd.uniform(hlo, hhi)
    rd = rnd.uniform(dlo, dhi) if three_d else 0.0
    lo, hi = RANGE[unit]
    big = math.exp(rnd.uniform(math.log(lo), math.log(hi)))
    width = big / max(1.0, rh, rd)
    raw = {"width": width, "height": width * rh, **({"depth": width * rd} if three_d else {})}
    smallest = 10.0 ** -DECIMALS[unit]
    return {k: max(smallest, round(v, rnd.randint(0, DECIMALS[unit]))) for k, v in raw.items()}


def pick_look(s: Scene, unit: str, dark: bool) -> Look:
    """A random drawing style: line and ink colours, end marks, label sizes and formats."""
    rnd, side = s.rnd, s.side
    if dark:
        line = ink = rnd.choice([(235, 235, 235), (255, 255, 255), (200, 200, 200)])
    else:
        line = rnd.choice([(20, 20, 20), (60, 60, 60), (110, 110, 110), (30, 60, 140), (200, 40, 40), (0, 0, 0)])
        ink = line if rnd.random() < 0.6 and line != (110, 110, 110) else rnd.choice(
            [(0, 0, 0), (30, 30, 30), (70, 70, 70), (100, 100, 100)])
    dual = rnd.choices(["", "slash", "tight", "paren", "stack"], [0.62, 0.12, 0.09, 0.07, 0.1])[0] \
        if unit in SECOND else ""
    second = rnd.choice(SECOND[unit][1]) if dual else ""
    return Look(
        line=line, lw=max(1, int(side * rnd.uniform(0.0015, 0.004))),
        ends=rnd.choices(["arrow", "open", "tick", "slash"], [0.55, 0.15, 0.22, 0.08])[0],
        head=max(6.0, side * rnd.uniform(0.01, 0.018)), ext=rnd.random() < 0.5, ink=ink,
        size=side * rnd.uniform(0.03, 0.05), which=rnd.choice(["body", "body", "head"]),
        glue=rnd.random() < 0.5 or dual == "tight",
        prefix=rnd.choices(["", "W:", "Width:", "W"], [0.84, 0.08, 0.04, 0.04])[0],
        dual=dual, second=second, second_decimals=rnd.choice([0, 1]) if unit == "inch" else rnd.choice([1, 1, 2]),
        v_left=rnd.choices([90, 270], [0.85, 0.15])[0], v_right=rnd.choices([90, 270], [0.4, 0.6])[0],
        upright=rnd.random() < 0.3, slant=rnd.random() < 0.55, inline=rnd.random() < 0.15,
        gap=side * rnd.uniform(0.025, 0.05), off=side * rnd.uniform(0.006, 0.014),
    )


def label_lines(look: Look, unit: str, entity: str, value: float, tag: str | None, rnd: random.Random,
                alias: str) -> list[list[Token]]:
    """The printed label of one measure, one token list per printed line; ``tag`` marks the answer words,
    always those of the first printed unit."""
    q = Qty(number_text(value), unit, alias)
    main = q.tokens(tag, glue=look.glue)
    pre = [Token(PREFIX[look.prefix][("width", "height", "depth").index(entity)])] if look.prefix else []
    if not look.dual:
        return [pre + main]
    factor = SECOND[unit][0]
    other = Qty(number_text(round(value * factor, look.second_decimals) or round(value * factor, 2)), "", look.second)
    if look.dual == "slash":
        return [pre + main + [Token("/")] + other.tokens(glue=look.glue)]
    if look.dual == "tight":
        return [pre + main + [Token("/" + other.text(glue=True), tight=True)]]
    if look.dual == "paren":
        return [pre + main + [Token("(" + other.text(glue=True) + ")", tight=rnd.random() < 0.5)]]
    return [pre + main, other.tokens(glue=look.glue)]


def _readable(angle: float) -> float:
    """A line's direction as a text angle that is not upside down."""
    while angle > 90:
        angle -= 180
    while angle <= -90:
        angle += 180
    return angle


def _norm(v: Point) -> Point:
    n = math.hypot(*v) or 1.0
    return (v[0] / n, v[1] / n)


def _overlaps(a: Box, b: Box, pad: float = 2.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


@dataclass
class Plan:
    """Where one measure goes: its dimension line (a -> b), the product edge it measures, the label's
    centre, text angle and the rectangles its printed lines will cover."""

    entity: str
    a: Point
    b: Point
    base: tuple[Point, Point]
    centre: Point
    angle: float
    inline: bool
    boxes: list[Box]
    lines: list[list[Token]]
    size: float
    th: float  # height of one printed line at the size it is drawn (answers have a minimum size)

    def box(self) -> Box:
        return (min(b[0] for b in self.boxes), min(b[1] for b in self.boxes), max(b[2] for b in self.boxes),
                max(b[3] for b in self.boxes))


def _plan(s: Scene, look: Look, entity: str, base: tuple[Point, Point], n: Point, mode: str,
          lines: list[list[Token]], size: float, v_angle: float) -> Plan:
    """Lay a measure's line ``look.gap`` off the product edge ``base`` on the side of unit normal ``n``;
    ``mode`` is along (text follows the line), beside (horizontal text next to it) or inline (in a gap)."""
    (bx0, by0), (bx1, by1) = base
    a = (bx0 + n[0] * look.gap, by0 + n[1] * look.gap)
    b = (bx1 + n[0] * look.gap, by1 + n[1] * look.gap)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    vertical = abs(a[0] - b[0]) < 1e-6
    angle = v_angle if vertical else _readable(math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0])))
    if len(lines) > 1 and angle != 0:  # stacked units are written level
        mode = "beside"
    if mode == "inline" and (len(lines) > 1 or angle not in (0, 90, 270)):
        mode = "along"
    if mode == "beside":
        angle = 0.0
    flat = [s.extent(0, 0, toks, _stack_size(size, i), look.which, "mm") for i, toks in enumerate(lines)]
    widths = [b[2] - b[0] - 4 for b in flat]
    th = max(b[3] - b[1] - 4 for b in flat)
    if mode == "inline" and max(widths) > math.hypot(b[0] - a[0], b[1] - a[1]) - 3 * look.head:
        mode = "along"  # no room in the line for the label
    if mode == "inline":
        centre = mid
    elif mode == "along":
        depth = th * len(lines) / 2
        centre = (mid[0] + n[0] * (look.off + depth), mid[1] + n[1] * (look.off + depth))
    else:
        bw, bh = max(widths), th * len(lines)
        half = abs(n[0]) * bw / 2 + abs(n[1]) * bh / 2
        centre = (mid[0] + n[0] * (look.off + half), mid[1] + n[1] * (look.off + half))
    boxes = []
    for i, toks in enumerate(lines):
        dy = (i - (len(lines) - 1) / 2) * th if angle == 0 else 0.0
        boxes.append(s.extent(centre[0], centre[1] + dy, toks, _stack_size(size, i), look.which, "mm", angle))
    return Plan(entity, a, b, base, centre, angle, mode == "inline", boxes, lines, size, th)


def _stack_size(size: float, i: int) -> float:
    """A second stacked unit is a little smaller: never the more prominent one."""
    return size if i == 0 else size * 0.9


def _choose(s: Scene, options: list[Plan], taken: list[Box]) -> Plan:
    """The first option whose label is inside the image and clear of what is already there, else the one
    that covers the least of it."""
    inside = [p for p in options if _within(p.box(), s.w, s.h)] or options
    for p in inside:
        if not any(_overlaps(p.box(), t) for t in taken):
            return p
    return min(inside, key=lambda p: sum(_area(p.box(), t) for t in taken))


def _area(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _within(b: Box, w: int, h: int, margin: float = 3.0) -> bool:
    return b[0] >= margin and b[1] >= margin and b[2] <= w - margin and b[3] <= h - margin


def _draw_line(s: Scene, look: Look, p: Plan) -> None:
    """The dimension line with its end marks, extension lines and, for an inline label, a gap."""
    assert s.canvas is not None
    draw = ImageDraw.Draw(s.canvas.image)
    a, b = p.a, p.b
    d = _norm((b[0] - a[0], b[1] - a[1]))
    if look.ext:
        for base, end in zip(p.base, (a, b)):
            e = _norm((end[0] - base[0], end[1] - base[1]))
            span = math.hypot(end[0] - base[0], end[1] - base[1])
            start = (base[0] + e[0] * span * 0.15, base[1] + e[1] * span * 0.15)
            draw.line([start, (end[0] + e[0] * look.head * 0.6, end[1] + e[1] * look.head * 0.6)],
                      fill=look.line, width=max(1, look.lw // 2))
    if p.inline:  # leave room for the label on the line
        x0, y0, x1, y1 = p.box()
        half = (abs(d[0]) * (x1 - x0) + abs(d[1]) * (y1 - y0)) / 2 + look.off
        mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        if half * 2 < length - 2 * look.head:
            draw.line([a, (mid[0] - d[0] * half, mid[1] - d[1] * half)], fill=look.line, width=look.lw)
            draw.line([(mid[0] + d[0] * half, mid[1] + d[1] * half), b], fill=look.line, width=look.lw)
        _ends(draw, look, a, b, d, line=False)
        return
    if look.ends == "arrow":
        arrow(draw, a, b, look.line, look.lw, look.head)
        return
    draw.line([a, b], fill=look.line, width=look.lw)
    _ends(draw, look, a, b, d, line=True)


def _ends(draw: ImageDraw.ImageDraw, look: Look, a: Point, b: Point, d: Point, line: bool) -> None:
    hd = look.head
    if look.ends == "arrow" and not line:
        for (x, y), s in ((a, 1), (b, -1)):
            ang = math.atan2(d[1] * s, d[0] * s)
            draw.polygon([(x, y), (x + hd * math.cos(ang + 0.45), y + hd * math.sin(ang + 0.45)),
                          (x + hd * math.cos(ang - 0.45), y + hd * math.sin(ang - 0.45))], fill=look.line)
    elif look.ends in ("open", "arrow"):
        for (x, y), s in ((a, 1), (b, -1)):
            ang = math.atan2(d[1] * s, d[0] * s)
            for da in (0.5, -0.5):
                draw.line([(x, y), (x + hd * math.cos(ang + da), y + hd * math.sin(ang + da))], fill=look.line,
                          width=look.lw)
    else:
        nx, ny = (-d[1], d[0]) if look.ends == "tick" else (-d[1] + d[0], d[0] + d[1])
        k = hd * (0.6 if look.ends == "tick" else 0.45)
        for x, y in (a, b):
            draw.line([(x - nx * k, y - ny * k), (x + nx * k, y + ny * k)], fill=look.line, width=look.lw)


def _put_label(s: Scene, look: Look, p: Plan) -> None:
    assert s.canvas is not None
    th = p.th
    under = bg.luminance(bg.colour_at(s.canvas.image, p.box()))
    ink = look.ink if abs(under - bg.luminance(look.ink)) > 90 else bg.contrast_ink((int(under),) * 3, s.rnd)
    for i, toks in enumerate(p.lines):
        dy = (i - (len(p.lines) - 1) / 2) * th if p.angle == 0 else 0.0
        s.put(p.centre[0], p.centre[1] + dy, toks, _stack_size(p.size, i), look.which, "mm", angle=p.angle, ink=ink)


# --- silhouettes ---------------------------------------------------------------------------------------------
def _poly(draw: ImageDraw.ImageDraw, pts: list[Point], fill: RGB | None, outline: RGB, lw: int) -> None:
    draw.polygon(pts, fill=fill, outline=outline if lw else None, width=max(1, lw))


def _cuboid(draw: ImageDraw.ImageDraw, sol: Solid, h0: float, h1: float, fill: RGB | None, edge: RGB, lw: int,
            insets: tuple[float, float] = (0.0, 1.0)) -> None:
    """Faces of the part of ``sol`` between heights h0 and h1 (fractions): front, right side, top."""
    w0, w1 = insets
    at = sol.at
    front = [at(w0, h0, 0), at(w1, h0, 0), at(w1, h1, 0), at(w0, h1, 0)]
    side = [at(w1, h0, 0), at(w1, h0, 1), at(w1, h1, 1), at(w1, h1, 0)]
    top = [at(w0, h1, 0), at(w1, h1, 0), at(w1, h1, 1), at(w0, h1, 1)]
    _poly(draw, side, shade(fill, 0.72) if fill else None, edge, lw)
    _poly(draw, top, shade(fill, 1.2) if fill else None, edge, lw)
    _poly(draw, front, fill, edge, lw)


def _draw_solid(s: Scene, sol: Solid, colour: RGB, edge: RGB, lw: int, outline_only: bool) -> None:
    """A product silhouette: flat-shaded faces (or only outlines), with a few details per kind."""
    assert s.canvas is not None
    rnd = s.rnd
    draw = ImageDraw.Draw(s.canvas.image)
    fill = None if outline_only else colour
    at = sol.at
    kind = sol.kind
    if kind in ("box", "cabinet"):
        _cuboid(draw, sol, 0, 1, fill, edge, lw)
        if kind == "cabinet":
            n = rnd.randint(2, 4)
            for i in range(1, n):
                draw.line([at(0, i / n, 0), at(1, i / n, 0)], fill=edge, width=max(1, lw))
            for i in range(n):
                c = at(0.5, (i + 0.5) / n, 0)
                hw = abs(sol.ew[0]) * 0.08
                draw.rounded_rectangle((c[0] - hw, c[1] - 2, c[0] + hw, c[1] + 2), radius=2, fill=shade(edge, 1.5))
    elif kind in ("table", "stool", "bench"):
        t = {"table": 0.1, "stool": 0.12, "bench": 0.25}[kind]
        leg = max(2, int(abs(sol.ew[0]) * (0.05 if kind != "bench" else 0.04)))
        col = fill or (250, 250, 250)
        for fw, fd in ((0.06, 0.92), (0.94, 0.92)):  # back legs first: the top and front legs cover them
            draw.line([at(fw, 1 - t, fd), at(fw, 0, fd)], fill=shade(col, 0.6), width=leg)
        _cuboid(draw, sol, 1 - t, 1, fill, edge, lw)
        for fw, fd in ((0.06, 0.08), (0.94, 0.08)):
            draw.line([at(fw, 1 - t, fd), at(fw, 0, fd)], fill=shade(col, 0.8), width=leg)
        if kind == "stool":
            draw.line([at(0.06, 0.3, 0.08), at(0.94, 0.3, 0.08)], fill=shade(col, 0.8), width=max(2, leg // 2))
    else:
        x0, yb = sol.p0
        x1, y0 = x0 + sol.ew[0], yb - sol.eh
        w = x1 - x0
        if kind == "cylinder":
            e = min(w * 0.15, sol.eh * 0.2)
            for i in range(6):  # banded shading of a round body
                f = 0.75 + 0.4 * math.sin(math.pi * (i + 0.5) / 6)
                draw.rectangle((x0 + w * i / 6, y0 + e / 2, x0 + w * (i + 1) / 6, yb - e / 2),
                               fill=shade(fill, f) if fill else None)
            draw.ellipse((x0, yb - e, x1, yb), fill=shade(fill, 0.8) if fill else None, outline=edge, width=max(1, lw))
            draw.line([(x0, y0 + e / 2), (x0, yb - e / 2)], fill=edge, width=max(1, lw))
            draw.line([(x1, y0 + e / 2), (x1, yb - e / 2)], fill=edge, width=max(1, lw))
            draw.ellipse((x0, y0, x1, y0 + e), fill=shade(fill, 1.2) if fill else None, outline=edge, width=max(1, lw))
        elif kind == "frame":
            r = int(min(w, sol.eh) * rnd.uniform(0.0, 0.08))
            bw = max(3, int(min(w, sol.eh) * rnd.uniform(0.02, 0.06)))
            draw.rounded_rectangle((x0, y0, x1, yb), radius=r, fill=fill or (250, 250, 250), outline=edge,
                                   width=max(1, lw))
            draw.rounded_rectangle((x0 + bw, y0 + bw, x1 - bw, yb - bw), radius=max(0, r - bw),
                                   fill=rnd.choice([(225, 232, 236), (240, 240, 240), (200, 210, 220)]))
        elif kind == "bowl":
            e = sol.eh * 0.25
            foot = w * rnd.uniform(0.3, 0.45)
            cx = (x0 + x1) / 2
            draw.pieslice((x0, y0 + e / 2 - sol.eh, x1, yb + (yb - y0) * 0.0), 0, 180, fill=fill or (250, 250, 250),
                          outline=edge, width=max(1, lw))
            draw.rectangle((cx - foot / 2, yb - sol.eh * 0.08, cx + foot / 2, yb),
                           fill=shade(fill or (240, 240, 240), 0.8))
            draw.ellipse((x0, y0, x1, y0 + e), fill=shade(fill or (235, 235, 235), 1.15), outline=edge,
                         width=max(1, lw))
        elif kind == "tray":
            draw.rounded_rectangle((x0, y0, x1, yb), radius=max(1, int(sol.eh * 0.4)), fill=fill or (250, 250, 250),
                                   outline=edge, width=max(1, lw))
            draw.line([(x0 + sol.eh * 0.4, y0 + sol.eh * 0.35), (x1 - sol.eh * 0.4, y0 + sol.eh * 0.35)],
                      fill=shade(fill or (200, 200, 200), 0.8), width=max(1, lw))
        elif kind == "tube":
            cap = sol.eh * 0.05
            draw.rounded_rectangle((x0, y0 + cap, x1, yb - cap), radius=max(1, int(w / 3)),
                                   fill=rnd.choice([(235, 238, 250), (250, 250, 245)]), outline=edge, width=max(1, lw))
            for yc in (y0, yb - cap):
                draw.rectangle((x0 + w * 0.1, yc, x1 - w * 0.1, yc + cap), fill=(200, 200, 205), outline=edge)
        else:  # bulb
            r = w / 2
            cx = (x0 + x1) / 2
            draw.ellipse((x0, y0, x1, y0 + w), fill=rnd.choice([(255, 240, 190), (245, 245, 245)]), outline=edge,
                         width=max(1, lw))
            neck = yb - sol.eh * 0.22
            draw.polygon([(x0 + r * 0.3, y0 + w * 0.85), (x1 - r * 0.3, y0 + w * 0.85), (cx + r * 0.35, neck),
                          (cx - r * 0.35, neck)], fill=(240, 240, 240), outline=edge)
            for i in range(4):
                yy = yb - sol.eh * 0.22 + i * sol.eh * 0.05
                draw.rectangle((cx - r * 0.35, yy, cx + r * 0.35, yy + sol.eh * 0.045), fill=(180, 180, 175),
                               outline=edge)


def _person(draw: ImageDraw.ImageDraw, x: float, floor: float, height: float, colour: RGB) -> Box:
    """A standing person's silhouette, feet on ``floor``; returns its box."""
    p = height
    top = floor - p
    cx = x + p * 0.14
    draw.ellipse((cx - p * 0.055, top, cx + p * 0.055, top + p * 0.125), fill=colour)
    draw.polygon([(cx - p * 0.11, top + p * 0.17), (cx + p * 0.11, top + p * 0.17), (cx + p * 0.085, top + p * 0.52),
                  (cx - p * 0.085, top + p * 0.52)], fill=colour)
    draw.rectangle((cx - p * 0.02, top + p * 0.12, cx + p * 0.02, top + p * 0.18), fill=colour)
    for sgn in (-1, 1):
        draw.polygon([(cx + sgn * p * 0.11, top + p * 0.17), (cx + sgn * p * 0.14, top + p * 0.2),
                      (cx + sgn * p * 0.14, top + p * 0.5), (cx + sgn * p * 0.11, top + p * 0.5)], fill=colour)
        draw.polygon([(cx + sgn * p * 0.005, top + p * 0.5), (cx + sgn * p * 0.085, top + p * 0.5),
                      (cx + sgn * p * 0.07, floor), (cx + sgn * p * 0.02, floor)], fill=colour)
    return (cx - p * 0.14, top, cx + p * 0.14, floor)


def _person_text(rnd: random.Random, unit: str, inches: float) -> str:
    """A person's height as the drawing would print it: '70"', "5'10\"", "178 cm"."""
    if unit == "inch":
        feet, rest = divmod(int(round(inches)), 12)
        return rnd.choice([f'{int(round(inches))}"', f"{int(round(inches))} in", f"{feet}'{rest}\""])
    if unit == "millimetre":
        return f"{int(round(inches * 25.4, -1))} mm"
    return f"{int(round(inches * 2.54))} cm"


def _hand(draw: ImageDraw.ImageDraw, x: float, floor: float, height: float, colour: RGB) -> Box:
    """An open hand reaching up from the bottom, for scale; returns its box."""
    hh = height
    pw = hh * 0.42
    top = floor - hh
    px0, py0 = x, top + hh * 0.38
    draw.rectangle((px0 + pw * 0.15, py0 + hh * 0.3, px0 + pw * 0.85, floor), fill=shade(colour, 0.95))  # wrist
    draw.rounded_rectangle((px0, py0, px0 + pw, py0 + hh * 0.38), radius=int(pw * 0.25), fill=colour)
    fw = pw / 4.4
    for i, length in enumerate((0.3, 0.36, 0.34, 0.26)):
        fx = px0 + fw * 0.2 + i * fw * 1.05
        draw.rounded_rectangle((fx, py0 - hh * length, fx + fw, py0 + hh * 0.05), radius=int(fw / 2), fill=colour)
    draw.polygon([(px0 + pw * 0.95, py0 + hh * 0.25), (px0 + pw * 1.35, py0 + hh * 0.02),
                  (px0 + pw * 1.45, py0 + hh * 0.08), (px0 + pw * 1.0, py0 + hh * 0.36)], fill=colour)
    return (px0, top, px0 + pw * 1.45, floor)


# --- the scene -----------------------------------------------------------------------------------------------
def dimension_drawing(s: Scene, primary: str) -> None:
    """A catalog dimension drawing: which printed measure is which dimension follows from its line."""
    rnd = s.rnd
    w, h = s.w, s.h
    dark = rnd.random() < 0.08
    arr, mean = bg.backdrop(rnd, s.rng, w, h, "plain" if dark or rnd.random() < 0.75 else "studio")
    if dark:
        arr *= rnd.uniform(0.1, 0.22)
    dark = dark or bg.luminance(mean) < 120
    three_d = primary == "depth" or rnd.random() < THREE_D_SHARE
    kind = _pick(rnd, KINDS_3D if three_d else KINDS_2D)
    unit = pick_unit(rnd, "width")
    if unit in ("metre", "foot") and rnd.random() < 0.7:
        unit = "centimetre"
    values = measures(rnd, unit, kind)
    alias = rnd.choice(LABEL_ALIASES[unit])
    look = pick_look(s, unit, dark)
    shown = list(values)

    # the rest of the picture
    factors = sorted((rnd.uniform(0.5, 0.82) for _ in range(rnd.choice([1, 1, 2]))), reverse=True) \
        if rnd.random() < 0.13 and look.prefix in ("", "W") and look.dual != "stack" else []
    height_in = values["height"] * INCH_PER[unit]
    person_in = rnd.uniform(64, 74)
    person = not factors and 0.3 * person_in < height_in < 0.9 * person_in and rnd.random() < 0.25
    hand = not factors and not person and height_in < 12 and rnd.random() < 0.18
    weight = primary == "item_weight" or rnd.random() < 0.25
    load = primary == "maximum_weight_recommendation" or (kind in FURNITURE and rnd.random() < 0.15)
    caption = rnd.random() < 0.12
    strip = not caption and rnd.random() < 0.08
    title = rnd.random() < 0.25

    # who is asked: the primary always, the other shown measures of the main product often
    dims_asked = primary in shown or rnd.random() < 0.7
    tags: dict[str, str | None] = {}
    for e in shown:
        ok = e == primary or (dims_asked and rnd.random() < ASK[e])
        tags[e] = s.ask(e, Qty(number_text(values[e]), unit, alias)) if ok else None

    # bands above and below the drawing for titles, captions and tables
    top_band = h * 0.03 + (look.size * 1.6 if title else 0) + (look.size * 1.4 if weight or load else 0)
    bottom_band = h * 0.03 + (look.size * 1.6 if caption else 0) + (look.size * 3.6 if strip else 0)

    # proportions on paper, loosely following the measures (extremes are clamped to stay drawable)
    b_ang = math.radians(rnd.uniform(6, 16)) if three_d and rnd.random() < 0.35 else 0.0
    d_ang = math.radians(rnd.uniform(24, 42))
    disp_h = min(6.0, max(0.12, values["height"] / values["width"]))
    disp_d = min(1.1, max(0.25, values.get("depth", 0.0) / values["width"])) if three_d else 0.0
    if kind in PHOTO or kind in ("bulb", "tube"):
        disp_h = min(disp_h, 8.0)
    ux = math.cos(b_ang) + disp_d * math.cos(d_ang)
    uy = disp_h + math.sin(b_ang) + disp_d * math.sin(d_ang)

    th = s.line_h(look.size, look.which)
    lines = {e: label_lines(look, unit, e, values[e], tags.get(e), rnd, alias) for e in shown}
    lw_text = {e: max(s.text_width(t, look.size, look.which) for t in lines[e]) for e in shown}
    pad_l = look.gap + look.off + (lw_text["height"] if look.upright else th) + w * 0.02
    pad_r = look.gap + look.off + max(th, lw_text.get("depth", 0.0) * 0.8 if three_d else 0.0) + w * 0.02
    pad_b = look.gap + look.off + th * (2 if look.dual == "stack" else 1) + look.size * 0.5
    items: list[tuple[str, float, float]] = [("main", ux, uy)]  # (what, x extent, y extent) in drawing units
    for f in factors:
        items.append(("variant", ux * f, uy * f))
    if person:
        ph = disp_h * person_in / height_in
        items.append(("person", ph * 0.3, ph))
    hand_u = min(2.2 * uy, max(0.8 * uy, disp_h * 7.5 / height_in))  # a hand is about 7.5 in long
    if hand:
        items.append(("hand", hand_u * 0.62, hand_u))
    avail_h = h - top_band - bottom_band - pad_b - look.size * 1.5
    while True:
        avail_w = w - (pad_l + pad_r) * len(items) - w * 0.04
        if avail_w < w * 0.2 or avail_h < h * 0.2:
            return  # no room: the generator draws the image again with the next attempt's randomness
        scale = min(avail_w / sum(i[1] for i in items), avail_h / max(i[2] for i in items)) * rnd.uniform(0.7, 0.95)
        if scale * max(ux, uy) >= s.side * 0.22 or len(items) == 1:
            break
        items, factors, person, hand = items[:1], [], False, False  # the product alone, drawn larger
    if (person or hand) and rnd.random() < 0.4:  # the person or hand on the left of the product
        items = [items[1], items[0]]
    free = avail_h - scale * max(i[2] for i in items)  # centred-ish vertically, as catalog drawings are
    floor = h - bottom_band - pad_b - free * rnd.uniform(0.2, 0.6)
    slack = avail_w - scale * sum(i[1] for i in items)
    x = w * 0.02 + rnd.uniform(0, slack * 0.8)
    place: list[tuple[str, float, float]] = []  # (what, left x, scale factor)
    for what, ix, _ in items:
        x += pad_l
        place.append((what, x, ix / ux if what == "variant" else 1.0))
        x += scale * ix + pad_r + slack * 0.2 / len(items)

    # paint photo-like products before the canvas exists
    colour = bg.jitter(rnd.choice(bg.PRODUCT_COLOURS), rnd, 12)
    solids: list[tuple[str, Solid]] = []
    for what, left, f in place:
        if what not in ("main", "variant"):
            continue
        wpx = scale * f
        sol = Solid(kind, (left, floor - wpx * math.sin(b_ang)), (wpx * math.cos(b_ang), wpx * math.sin(b_ang)),
                    wpx * disp_h, (wpx * disp_d * math.cos(d_ang), -wpx * disp_d * math.sin(d_ang)))
        solids.append((what, sol))
        if kind in PHOTO:
            bx = sol.box()
            bulge = (bx[3] - bx[1]) / 12 if kind == "pouch" else 0.0  # a pouch's round bottom hangs below its box
            bg.paint_product(arr, rnd, (int(bx[0]), int(bx[1]), int(bx[2]), int(bx[3] - bulge)), colour, kind)
    canvas = s.start(arr)
    draw = ImageDraw.Draw(canvas.image)
    edge = look.line if rnd.random() < 0.5 else shade(colour, 0.5)
    outline_only = rnd.random() < 0.25
    taken: list[Box] = []
    for _, sol in solids:
        if kind not in PHOTO:
            _draw_solid(s, sol, colour, edge, look.lw if outline_only or rnd.random() < 0.7 else 0, outline_only)
        taken += sol.footprint()
    if title:
        tx, anchor = (w / 2, "mt") if rnd.random() < 0.5 else (w * 0.04, "lt")
        taken.append(s.put(tx, h * 0.03, words(rnd.choice(["DIMENSION", "Product Size", "SIZE", "Dimensions",
                                                           "Product Dimensions", "Size Chart"])),
                           look.size * 1.2, "head", anchor, ink=look.ink if not dark else (240, 240, 240)))

    # the main product's measures, then the variants', then the rest
    main = solids[0][1]
    side_h = rnd.choices(["left", "right"], [0.55, 0.45])[0]
    plans: list[Plan] = []
    for what, sol in solids:
        size = look.size if what == "main" else look.size * rnd.uniform(0.78, 0.88)
        if what == "main":
            mlines = lines
        else:
            f = abs(sol.ew[0]) / abs(main.ew[0]) if main.ew[0] else 1.0
            mlines = {e: label_lines(look, unit, e, max(10.0 ** -DECIMALS[unit],
                                                        round(values[e] * f, DECIMALS[unit])), None, rnd, alias)
                      for e in ("width", "height")}
        for entity in ("width", "height", "depth"):
            if entity not in mlines:
                continue
            busy = taken + [q.box() for q in plans]
            opts = _options(s, look, sol, entity, mlines[entity], size, side_h, three_d and what == "main")
            p = _choose(s, opts, busy)
            if any(_overlaps(p.box(), b) for b in busy):  # crowded: a smaller label may fit
                p = _choose(s, opts + _options(s, look, sol, entity, mlines[entity], size * 0.8, side_h,
                                               three_d and what == "main"), busy)
            plans.append(p)
    for p in plans:
        _draw_line(s, look, p)
    for p in plans:
        taken.append(p.box())
        _put_label(s, look, p)
    if len(solids) > 1 and rnd.random() < 0.5:
        names = rnd.choice([("L", "M", "S"), ("Large", "Medium", "Small"), ("XL", "L", "M"), ("Big", "Small", "Mini")])
        for (_, sol), name in zip(solids, names):
            bx = sol.box()
            nb = s.extent((bx[0] + bx[2]) / 2, bx[1] - look.size * 0.4, words(name), look.size, "head", "mb")
            if not any(_overlaps(nb, t) for t in taken):
                taken.append(s.put((bx[0] + bx[2]) / 2, bx[1] - look.size * 0.4, words(name), look.size, "head", "mb",
                                   ink=look.ink))
    for what, left, _ in place:
        if what == "person":
            ph = scale * disp_h * person_in / height_in
            col = (70, 70, 75) if dark else rnd.choice([(150, 150, 155), (185, 185, 190), (120, 120, 125)])
            pb = _person(draw, left, floor, ph, col)
            ptxt = _person_text(rnd, unit, person_in)
            opts = [_plan(s, look, "person", ((pb[0], floor), (pb[0], pb[1])), (-1.0, 0.0), "beside", [words(ptxt)],
                          look.size * 0.85, look.v_left),
                    _plan(s, look, "person", ((pb[0], floor), (pb[0], pb[1])), (-1.0, 0.0), "along", [words(ptxt)],
                          look.size * 0.85, look.v_left)]
            p = _choose(s, opts, taken)
            _draw_line(s, look, p)
            _put_label(s, look, p)
            taken += [pb, p.box()]
        elif what == "hand":
            taken.append(_hand(draw, left, floor + look.gap, scale * hand_u, rnd.choice(SKIN)))
    _extras(s, look, main, taken, weight, load, caption, strip, primary, unit, values, tags, dark,
            h * 0.03 + (look.size * 1.6 if title else 0.0))


def _options(s: Scene, look: Look, sol: Solid, entity: str, lines: list[list[Token]], size: float, side_h: str,
             three_d: bool) -> list[Plan]:
    """Candidate placements of one measure, the look's preferred one first."""
    at = sol.at
    rnd = s.rnd
    out: list[Plan] = []
    if entity == "width":
        ew = _norm(sol.ew)
        below, above = (-ew[1], ew[0]), (ew[1], -ew[0])
        mode = "inline" if look.inline else "along"
        bottom = _plan(s, look, entity, (at(0, 0, 0), at(1, 0, 0)), below, mode, lines, size, 0)
        top = _plan(s, look, entity, (at(0, 1, 1), at(1, 1, 1)), above, "along", lines, size, 0)
        out = [bottom, top] if rnd.random() < 0.8 else [top, bottom]
        out.append(_plan(s, look, entity, (at(0, 0, 0), at(1, 0, 0)), below, "beside", lines, size, 0))
    elif entity == "height":
        left = ((at(0, 0, 0), at(0, 1, 0)), (-1.0, 0.0), look.v_left)
        right = ((at(1, 0, 1), at(1, 1, 1)), (1.0, 0.0), look.v_right)
        sides = [left, right] if side_h == "left" else [right, left]
        first = "beside" if look.upright else ("inline" if look.inline else "along")
        for base, n, ang in sides:
            out.append(_plan(s, look, entity, base, n, first, lines, size, ang))
        for base, n, ang in sides:
            out.append(_plan(s, look, entity, base, n, "along" if first == "beside" else "beside", lines, size, ang))
    elif three_d:  # depth: along the receding bottom-right edge, or the top-left one
        ed = _norm(sol.ed)
        br = ((at(1, 0, 0), at(1, 0, 1)), (-ed[1], ed[0]))
        tl = ((at(0, 1, 0), at(0, 1, 1)), (ed[1], -ed[0]))
        for base, n in ([br, tl] if rnd.random() < 0.75 else [tl, br]):
            out.append(_plan(s, look, entity, base, n, "along" if look.slant else "beside", lines, size, 0))
        for base, n in (br, tl):
            out.append(_plan(s, look, entity, base, n, "beside" if look.slant else "along", lines, size, 0))
    return out


def _extras(s: Scene, look: Look, main: Solid, taken: list[Box], weight: bool, load: bool, caption: bool,
            strip: bool, primary: str, unit: str, values: dict[str, float], tags: dict[str, str | None],
            dark: bool, top: float) -> None:
    """Text around the drawing: a spec strip, a caption, the item weight, a max-load badge, a model number.
    An answer that finds no free spot is not printed and its row is withdrawn."""
    rnd = s.rnd
    w, h = s.w, s.h
    ink = look.ink if not dark else (240, 240, 240)
    size = look.size * 0.85
    q = make_qty(rnd, pick_unit(rnd, "item_weight"))  # one item weight, wherever it is printed
    weight_tag = s.ask("item_weight", q) if primary == "item_weight" or (weight or strip) and rnd.random() < 0.5 \
        else None
    if strip:
        tag = weight_tag
        cells = [("Material", words(rnd.choice(["Aluminum alloy", "Steel", "Wood", "ABS", "Bamboo"]))),
                 ("Color", words(rnd.choice(["Black", "White", "Grey", "Walnut"]))),
                 ("Weight", q.tokens(tag, rnd=rnd)),
                 ("Model", words(model_number(rnd)))]
        rnd.shuffle(cells)
        tw = w * rnd.uniform(0.75, 0.92)
        y0 = h - s.line_h(size) * 3.7 - h * 0.02
        taken.append(spec_table(s, (w - tw) / 2, y0, tw, cells, size * 0.8, "columns"))
    if weight:
        tag = weight_tag
        toks = words(rnd.choice(["NW.:", "Weight:", "Net Weight:", "Item weight", "Weight"])) + q.tokens(tag, rnd=rnd)
        spots = [(w * 0.04, top, "lt"), (w * 0.96, top, "rt"), (w * 0.5, h * 0.97, "mb")]
        if _put_free(s, spots, toks, size, "body", ink, taken) is None and tag is not None and not strip:
            s.drop(tag)
    if load:
        q = make_qty(rnd, pick_unit(rnd, "maximum_weight_recommendation"), load=True)
        tag = s.ask("maximum_weight_recommendation", q) if primary == "maximum_weight_recommendation" or \
            rnd.random() < 0.7 else None
        lead = rnd.choice(["MAX", "Max load:", "Load capacity", "Max. load", "Holds up to", "MAX bearing"])
        toks = words(lead) + q.tokens(tag, rnd=rnd)
        spots = [(w * 0.96, top, "rt"), (w * 0.04, top, "lt"), (w * 0.5, h * 0.97, "mb")]
        if _put_free(s, spots, toks, size * 1.1, "head", ink, taken, boxed=rnd.random() < 0.5) is None and tag:
            s.drop(tag)
    if caption:
        parts: list[Token] = words(rnd.choice(["Product Dimensions:", "Size:", "Dimensions:"]))
        order = [e for e in ("width", "depth", "height") if e in values]
        letter = {"width": "(W)", "depth": "(D)", "height": "(H)"}
        for i, e in enumerate(order):
            q = Qty(number_text(values[e]), unit, CAPTION_ALIAS[unit])
            parts += q.tokens(tags.get(e), glue=True) + [Token(letter[e])]
            parts += [Token("x")] if i < len(order) - 1 else []
        _put_free(s, [(w / 2, h * 0.975, "mb"), (w / 2, h * 0.02, "mt")], parts, size * 0.9, "body", ink, taken)
    if rnd.random() < 0.3:
        _put_free(s, [(w * 0.96, h * 0.975, "rb"), (w * 0.04, h * 0.975, "lb")],
                  words(rnd.choice(["Model", "Item No.", "SKU"]) + " " + model_number(rnd)), look.size * 0.55, "fine",
                  ink, taken)
    if rnd.random() < 0.2 and not dark:
        b = main.box()
        _put_free(s, [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, "mm")], words(brand(rnd)),
                  min(abs(main.ew[0]) * 0.15, look.size * 1.2), "head", None, [])


def _put_free(s: Scene, spots: list[tuple[float, float, str]], toks: list[Token], size: float, which: str,
              ink: RGB | None, taken: list[Box], boxed: bool = False) -> Box | None:
    """Write ``toks`` at the first spot where it fits clear of ``taken``; None when none is free (an
    answer then is not written, and its row is dropped by the generator's check for that)."""
    for x, y, anchor in spots:
        b = s.extent(x, y, toks, size, which, anchor)
        if _within(b, s.w, s.h) and not any(_overlaps(b, t, 6) for t in taken):
            if boxed:
                assert s.canvas is not None
                fill = s.rnd.choice([(20, 20, 20), (200, 30, 30), (250, 200, 0)])
                ImageDraw.Draw(s.canvas.image).rounded_rectangle((b[0] - 6, b[1] - 4, b[2] + 6, b[3] + 4), radius=6,
                                                                 fill=fill)
                ink = None
            out = s.put(x, y, toks, size, which, anchor, ink=ink)
            taken.append(out)
            return out
    return None


__all__ = ["KINDS", "Look", "Solid", "dimension_drawing", "label_lines", "measures", "pick_look"]
