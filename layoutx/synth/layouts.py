"""Scenes: what is printed where on one synthetic product image, and which printed words are the answers.

Each scene paints a backdrop and a product, then writes text with ``Scene.put``; text that is an answer
carries a tag, and ``Scene.ask`` adds a label row (entity, gold value, tag). Distractors of the same
dimension are always present, so a reader has to use the words around a number and its place on the image:

* ``dimension_drawing`` (layoutx.synth.drawing): a product silhouette with dimension lines; the horizontal
  measure is the width, the vertical one the height, the slanted third line the depth;
* ``package_front`` / ``nutrition_panel`` / ``supplement``: net weight among "25g PROTEIN", serving sizes and a
  nutrition table full of g and mg;
* ``spec_table``: an Amazon-style table ("Item Weight | 200 Grams", "Product Dimensions | 10"D x 5"W x 3"H")
  beside the product: the row's key says which number answers which entity;
* ``max_load``: load capacity badge next to the item's own weight;
* ``rating_plate`` / ``appliance_box``: "AC 100-240V~ 50/60Hz 1200W" spec blocks with amps, hertz, model numbers;
* ``bottle``: "16.9 FL OZ (500 mL)" with a serving size in the same units.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PIL import ImageDraw

from layoutx.synth import backgrounds as bg
from layoutx.synth.drawing import dimension_drawing
from layoutx.synth.quantities import Qty, make_qty, number_text, pick_unit
from layoutx.synth.render import Token
from layoutx.synth.scene import (
    CLAIMS,
    PRODUCTS,
    Scene,
    barcode,
    brand,
    fine_print,
    label_panel,
    model_number,
    product_photo,
    spec_table,
    words,
)

__all__ = ["SCENES", "SCENES_FOR", "Scene"]



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


def per_serving(rnd: random.Random, net: Qty) -> list[Token]:
    """'Serving size 30 g', 'Serving Size 2 tbsp (32g)', '40 g per serving', 'Each bar 40 g': a weight on the
    pack that is not the net weight, never equal to it."""
    n = rnd.choice([15, 20, 28, 30, 32, 40, 45, 55])
    if net.unit == "gram" and float(n) == net.value:
        n += 5
    serv = Qty(str(n), "gram", rnd.choice(["g", "g", "G", "gm"]))
    form = rnd.randrange(6)
    if form == 0:
        return words("Serving size") + serv.tokens(rnd=rnd)
    if form == 1:
        return words(f"Serving Size {rnd.choice(['1/4 cup', '2 tbsp', '1 bar', '3 pieces', '1 scoop'])}") + [
            Token("(" + serv.text(glue=True) + ")")]
    if form == 2:
        return serv.tokens(rnd=rnd) + words(rnd.choice(["per serving", "PER SERVING", "per bar"]))
    if form == 3:
        return words(f"Each {rnd.choice(['bar', 'pouch', 'packet', 'sachet'])}") + serv.tokens(rnd=rnd)
    if form == 4:
        oz = Qty(rnd.choice(["1", "1.5", "0.5"]), "ounce", rnd.choice(["oz", "OZ"]))
        if net.unit == "ounce" and oz.value == net.value:
            oz = Qty("2", "ounce", oz.alias)
        return words("Serving size") + oz.tokens(glue=True) + [Token(f"({n}g)")]
    return words("Per serving:") + serv.tokens(rnd=rnd)


def package_front(s: Scene, primary: str) -> None:
    """A pack front: the net weight among protein callouts, claims and per-serving weights."""
    rnd = s.rnd
    arr, box, colour, kind = product_photo(s, ("box", "pouch", "jar", "box"))
    s.start(arr)
    area = label_panel(s, box, 0.12, 0.92)
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
    if rnd.random() < 0.5 and y < ay0 + ah * 0.5:  # a weight that is not the net weight
        s.put(cx if rnd.random() < 0.5 else ax0, y, per_serving(rnd, q), ah * rnd.uniform(0.035, 0.055), "body",
              "mt" if rnd.random() < 0.5 else "lt", max_w=aw)
        y += ah * 0.08
    if rnd.random() < 0.3:  # drawn before the answer so that it never covers it
        barcode(s, s.w * rnd.uniform(0.03, 0.1), s.h * rnd.uniform(0.8, 0.85), s.side * rnd.uniform(0.12, 0.18))
    elif rnd.random() < 0.3:
        fine_print(s, s.w * 0.03, s.h * 0.02, s.w * 0.6, rnd.randint(1, 2))
    tag = s.ask("item_weight", q) if primary == "item_weight" else None
    headline = rnd.random() < 0.3
    if headline:  # the weight as a big number
        s.put(cx, ay0 + ah * 0.62, q.tokens(tag, rnd=rnd), ah * rnd.uniform(0.09, 0.16), "head", "mt", max_w=aw)
    place = ""
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
    if rnd.random() < 0.25 and place != "side":  # fine print up the side
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
    arr, box, colour, _ = product_photo(s, ("box", "pouch", "box"), (0.7, 0.85))
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
    arr, box, colour, _ = product_photo(s, ("jar", "bottle"), (0.45, 0.6))
    s.start(arr)
    area = label_panel(s, box, 0.3, 0.92)
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
    arr, box, colour, _ = product_photo(s, ("box",), (0.45, 0.7))
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
    arr, box, colour, _ = product_photo(s, ("box",), (0.7, 0.9))
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
    w_tag = s.ask("wattage", watt) if primary == "wattage" or rnd.random() < 0.15 else None
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
    arr, box, colour, _ = product_photo(s, ("box",), (0.65, 0.85))
    s.start(arr)
    area = label_panel(s, box, 0.08, 0.92)
    ax0, ay0, ax1, ay1 = area
    aw, ah = ax1 - ax0, ay1 - ay0
    watt = make_qty(rnd, rnd.choices(["watt", "kilowatt"], [0.93, 0.07])[0])
    w_tag = s.ask("wattage", watt) if primary == "wattage" or rnd.random() < 0.25 else None
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
    arr, box, colour, _ = product_photo(s, ("bottle", "bottle", "jar"), (0.35, 0.5))
    s.start(arr)
    area = label_panel(s, box, 0.35, 0.93)
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


# spec-table values in the words Amazon tables use ("200 Grams", "60 Watts"); every alias reads back as its unit
SPEC_ALIASES: dict[str, tuple[str, ...]] = {
    "gram": ("Grams", "g", "Grams"), "kilogram": ("kg", "Kilogram", "kg"), "pound": ("Pounds", "lbs", "Pounds"),
    "ounce": ("Ounces", "oz"), "milligram": ("mg",), "microgram": ("mcg",), "ton": ("Tons", "ton"),
    "volt": ("Volts", "V", "Volts"), "watt": ("Watts", "W", "Watts"), "kilowatt": ("Kilowatts", "kW"),
    "litre": ("Liters", "Litres", "L"), "millilitre": ("Milliliters", "ml", "mL"),
    "fluid ounce": ("Fluid Ounces", "fl oz"),
    "gallon": ("Gallons", "gal"), "pint": ("Pints", "pt"), "quart": ("Quarts", "qt"), "cup": ("Cups",),
}
SPEC_KEYS: dict[str, tuple[str, ...]] = {
    "item_weight": ("Item Weight", "Weight", "Product Weight", "Net Weight"),
    "maximum_weight_recommendation": ("Maximum Weight Recommendation", "Max Load", "Weight Capacity",
                                      "Load Capacity", "Maximum Load"),
    "voltage": ("Voltage", "Input Voltage", "Rated Voltage"),
    "wattage": ("Wattage", "Power", "Rated Power", "Output Wattage"),
    "item_volume": ("Capacity", "Volume", "Liquid Volume"),
}
SPEC_OTHER = (
    ("Brand", None), ("Model Number", None), ("Color", ("Black", "White", "Silver", "Stainless Steel", "Blue")),
    ("Material", ("Plastic", "Aluminum", "Wood", "Stainless Steel", "Glass")), ("Number of Items", ("1", "2", "4")),
    ("Frequency", ("50/60 Hz", "60 Hz")), ("Amperage", ("10 Amps", "2.5 Amps", "15 Amps")),
    ("Batteries", ("1 Lithium Ion batteries required", "2 AA batteries required")),
    ("Package Weight", None), ("Package Dimensions", None), ("Country of Origin", ("China", "USA", "Germany")),
)


def _spec_qty(s: Scene, entity: str) -> Qty:
    rnd = s.rnd
    if entity == "voltage" and rnd.random() < 0.25:
        return _voltage_qty(s, True)
    q = make_qty(rnd, pick_unit(rnd, entity), load=entity == "maximum_weight_recommendation")
    q.alias = rnd.choice(SPEC_ALIASES[q.unit])
    return q


def _dimension_tokens(s: Scene, unit: str, values: dict[str, float], tags: dict[str, str | None]) -> list[Token]:
    """'10"D x 5"W x 3"H' or '40 cm (W) x 30 cm (D) x 25 cm (H)': every value with its unit and its letter."""
    rnd = s.rnd
    alias = {"inch": '"', "centimetre": rnd.choice(["cm", " cm"]), "millimetre": "mm"}[unit]
    order = rnd.choice([("depth", "width", "height"), ("width", "depth", "height")])
    letters = {"width": "W", "depth": "D", "height": "H"}
    out: list[Token] = []
    for i, e in enumerate(order):
        q = Qty(number_text(values[e]), unit, alias.strip())
        out += q.tokens(tags.get(e), glue=alias == '"' or alias == "cm")
        out.append(Token(letters[e], tight=alias == '"') if alias == '"' else Token(f"({letters[e]})"))
        if i < 2:
            out.append(Token("x"))
    return out


def spec_table_scene(s: Scene, primary: str) -> None:
    """An Amazon-style spec table beside the product ("Item Weight | 200 Grams", "Wattage | 60 Watts"): the
    row's key says which entity a number answers; "Package Weight" and "Package Dimensions" are the traps."""
    rnd = s.rnd
    w, h = s.w, s.h
    entities = [primary] + [e for e in ("item_weight", "wattage", "voltage", "item_volume",
                                        "maximum_weight_recommendation") if e != primary and rnd.random() < 0.3]
    rows: list[tuple[str, list[Token]]] = []
    item_weight: Qty | None = None
    for e in entities:
        if e in ("width", "height", "depth"):
            unit = rnd.choice(["inch", "centimetre", "centimetre", "millimetre"])
            values = {k: max(1.0, round(float(make_qty(rnd, unit).number), rnd.randint(0, 1)))
                      for k in ("width", "depth", "height")}
            tags = {k: s.ask(k, Qty(number_text(v), unit, "cm")) if k == primary or rnd.random() < 0.5 else None
                    for k, v in values.items()}
            rows.append((rnd.choice(["Product Dimensions", "Dimensions", "Item Dimensions"]),
                         _dimension_tokens(s, unit, values, tags)))
            continue
        q = _spec_qty(s, e)
        if e == "item_weight":
            item_weight = q
        tag = s.ask(e, q) if e == primary or rnd.random() < 0.6 else None
        rows.append((rnd.choice(SPEC_KEYS[e]), q.tokens(tag, glue=rnd.random() < 0.25)))
    for key, choices in rnd.sample(SPEC_OTHER, rnd.randint(2, 5)):
        if key == "Brand":
            value = words(brand(rnd))
        elif key == "Model Number":
            value = words(model_number(rnd))
        elif key == "Package Weight":  # heavier than the item, so never the same number
            pkg = make_qty(rnd, rnd.choice(["pound", "kilogram"])) if item_weight is None else Qty(
                number_text(round(item_weight.value * rnd.uniform(1.1, 1.6), 1)), item_weight.unit, item_weight.alias)
            value = pkg.tokens(glue=False)
        elif key == "Package Dimensions":
            value = words(f"{rnd.randint(5, 40)} x {rnd.randint(5, 30)} x {rnd.randint(2, 20)} inches")
        else:
            assert choices is not None
            value = words(rnd.choice(choices))
        rows.append((key, value))
    rnd.shuffle(rows)

    size = s.side * rnd.uniform(0.026, 0.036)
    lh = s.line_h(size) * 1.9
    table_h = lh * (len(rows) + 1.3)
    dims = any(k in ("Product Dimensions", "Dimensions", "Item Dimensions") for k, _ in rows)
    across = not dims and (w >= h * 0.95 and rnd.random() < 0.7 or h * 0.92 - table_h < h * 0.25)
    if across:  # product left, table right
        x0, width = w * 0.45, w * 0.51
        y0 = h * 0.06 + lh * 1.3 + rnd.uniform(0, max(0.0, h * 0.9 - table_h - h * 0.06))
        pbox = (int(w * 0.06), int(h * 0.15), int(w * 0.4), int(h * 0.85))
    else:  # product above the table
        x0, width = w * 0.05, w * 0.9
        y0 = h * 0.96 - lh * len(rows)
        top = int(y0 - lh * 1.3 - h * 0.04)
        pbox = (int(w * 0.32), int(h * 0.04), int(w * 0.68), top)
    arr, _ = bg.backdrop(rnd, s.rng, w, h, "plain" if rnd.random() < 0.6 else "studio")
    if pbox[3] - pbox[1] > h * 0.12:
        bg.paint_product(arr, rnd, pbox, bg.jitter(rnd.choice(bg.PRODUCT_COLOURS), rnd, 15),
                         rnd.choice(["box", "bottle", "jar", "box"]))
    canvas = s.start(arr)
    ImageDraw.Draw(canvas.image).rectangle((x0 - 8, y0 - lh * 1.3, x0 + width + 8, y0 + lh * len(rows) + 8),
                                           fill=(255, 255, 255))
    s.put(x0, y0 - lh * 0.2, words(rnd.choice(["Specifications", "Product information", "Technical Details",
                                               "Product Details"])), size * 1.25, "head", "lb", ink=(15, 17, 17))
    spec_table(s, x0, y0, width, rows, size, rnd.choice(["zebra", "lines", "grid"]),
               key_frac=rnd.uniform(0.28, 0.34) if dims else None)

SCENES: dict[str, Callable[[Scene, str], None]] = {
    "dimension_drawing": dimension_drawing,
    "spec_table": spec_table_scene,
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
    "width": (("dimension_drawing", 0.95), ("spec_table", 0.05)),
    "height": (("dimension_drawing", 0.95), ("spec_table", 0.05)),
    "depth": (("dimension_drawing", 0.95), ("spec_table", 0.05)),
    "item_weight": (("package_front", 0.42), ("nutrition_panel", 0.18), ("supplement", 0.1), ("max_load", 0.06),
                    ("spec_table", 0.12), ("dimension_drawing", 0.12)),
    "maximum_weight_recommendation": (("max_load", 0.6), ("dimension_drawing", 0.2), ("spec_table", 0.2)),
    "voltage": (("rating_plate", 0.5), ("appliance_box", 0.3), ("spec_table", 0.2)),
    "wattage": (("rating_plate", 0.4), ("appliance_box", 0.4), ("spec_table", 0.2)),
    "item_volume": (("bottle", 0.8), ("spec_table", 0.2)),
}
