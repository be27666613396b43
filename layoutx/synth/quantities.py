"""Printed quantities: a number and a unit alias as they appear on packs, with the challenge's gold string.

The printed number is produced first and the gold value is ``float`` of it, so the gold string
(``format_prediction``) and the ink always agree exactly. Unit mixes per entity follow train.csv.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from layoutx.core.units import resolve_unit
from layoutx.core.values import format_number, format_prediction
from layoutx.synth.render import Token

# canonical unit -> printed aliases (each resolves to the unit with layoutx.core.units.resolve_unit).
ALIASES: dict[str, tuple[str, ...]] = {
    "gram": ("g", "g", "g", "g", "gm", "grams", "G", "gr"),
    "kilogram": ("kg", "kg", "KG", "Kg", "kgs"),
    "milligram": ("mg", "mg", "MG"),
    "microgram": ("mcg", "µg"),
    "ounce": ("oz", "oz", "OZ", "ounces", "Oz"),
    "pound": ("lb", "lbs", "LB", "LBS", "pounds"),
    "ton": ("ton", "tons", "T"),
    "millilitre": ("ml", "mL", "ML", "ml"),
    "litre": ("L", "L", "l", "Ltr", "litre", "LITRE"),
    "fluid ounce": ("FL OZ", "fl oz", "fl. oz.", "FL. OZ.", "Fl. Oz.", "fl.oz"),
    "gallon": ("gal", "Gallon", "GAL"),
    "pint": ("pint", "pt"),
    "quart": ("qt", "quart"),
    "cup": ("cups",),
    "volt": ("V", "V", "V~", "VAC", "VDC", "volts", "Volt"),
    "watt": ("W", "W", "W", "watts", "Watt", "WATTS"),
    "kilowatt": ("kW", "KW"),
    "centimetre": ("cm", "cm", "cm", "CM", "cms"),
    "millimetre": ("mm", "mm", "MM"),
    "inch": ("in", '"', '"', "inch", "inches", "In"),
    "metre": ("m", "M", "meter"),
    "foot": ("ft", "feet"),
}

# entity -> [(unit, weight)] from train.csv's unit mix per entity.
UNIT_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "item_weight": (("gram", 0.59), ("kilogram", 0.14), ("ounce", 0.09), ("milligram", 0.09), ("pound", 0.075),
                    ("ton", 0.005), ("microgram", 0.005)),
    "maximum_weight_recommendation": (("kilogram", 0.46), ("pound", 0.24), ("gram", 0.14), ("ton", 0.1),
                                      ("ounce", 0.06)),
    "voltage": (("volt", 1.0),),
    "wattage": (("watt", 0.95), ("kilowatt", 0.05)),
    "item_volume": (("millilitre", 0.42), ("fluid ounce", 0.3), ("litre", 0.18), ("gallon", 0.04), ("pint", 0.03),
                    ("quart", 0.02), ("cup", 0.01)),
    "length": (("centimetre", 0.48), ("inch", 0.36), ("millimetre", 0.14), ("metre", 0.01), ("foot", 0.01)),
}

# unit -> (typical values, (low, high, decimals) for random ones)
_VALUES: dict[str, tuple[tuple[float, ...], tuple[float, float, int]]] = {
    "gram": ((30, 50, 100, 125, 150, 200, 250, 340, 400, 454, 500, 750, 907, 1000), (5, 1500, 0)),
    "kilogram": ((0.5, 1, 1.5, 2, 2.5, 5, 10, 20, 25), (0.2, 30, 2)),
    "milligram": ((50, 100, 250, 400, 500, 600, 1000, 1200), (10, 2000, 0)),
    "microgram": ((50, 100, 500, 1000), (10, 5000, 0)),
    "ounce": ((1.5, 3.5, 6, 8, 12, 16, 17.6, 24, 32), (0.5, 64, 1)),
    "pound": ((0.5, 1, 2, 2.2, 5, 10, 25, 40), (0.3, 50, 1)),
    "ton": ((0.5, 1, 2, 3, 5), (0.5, 10, 1)),
    "millilitre": ((30, 50, 100, 118, 200, 250, 330, 355, 400, 473, 500, 750, 946, 1000), (5, 2000, 0)),
    "litre": ((0.5, 1, 1.5, 2, 3, 5, 10), (0.2, 20, 1)),
    "fluid ounce": ((1, 1.7, 2, 3.4, 4, 6.8, 8, 12, 16, 16.9, 20, 25.4, 32, 33.8, 64), (0.5, 128, 1)),
    "gallon": ((0.5, 1, 2, 5), (0.5, 5, 1)),
    "pint": ((1, 2), (0.5, 4, 1)),
    "quart": ((1, 2), (1, 5, 0)),
    "cup": ((2, 3, 4), (1, 8, 0)),
    "volt": ((1.5, 3, 3.7, 5, 9, 12, 18, 20, 24, 36, 48, 110, 120, 220, 230, 240), (1, 250, 0)),
    "watt": ((5, 9, 10, 15, 18, 20, 25, 40, 60, 65, 100, 150, 500, 800, 1000, 1200, 1500, 1800, 2000, 2200),
             (1, 3000, 0)),
    "kilowatt": ((1, 1.5, 2, 2.2, 3, 5.5), (0.5, 10, 1)),
    "centimetre": ((), (2, 200, 1)),
    "millimetre": ((), (10, 2000, 0)),
    "inch": ((), (1, 80, 2)),
    "metre": ((), (1, 5, 1)),
    "foot": ((), (1, 10, 0)),
}


def number_text(x: float) -> str:
    """The way a pack prints a number: no trailing '.0' (500, 12.5, 0.75)."""
    s = format_number(x)
    return s[:-2] if s.endswith(".0") else s


# maximum loads are larger than item weights
_LOAD_VALUES: dict[str, tuple[tuple[float, ...], tuple[float, float, int]]] = {
    "kilogram": ((5, 10, 15, 20, 25, 30, 50, 100, 120, 136, 150, 180, 200, 250, 300), (3, 500, 1)),
    "pound": ((10, 20, 25, 30, 44, 50, 100, 200, 250, 300, 330, 400, 500), (5, 1000, 0)),
    "gram": ((500, 800, 1000, 1500, 2000, 3000, 5000), (200, 9000, 0)),
    "ton": ((0.5, 1, 1.5, 2, 3, 5, 10), (0.5, 20, 1)),
    "ounce": ((8, 16, 24, 32, 48, 64), (4, 100, 0)),
}
# units whose values on real labels are nearly always round catalogue numbers
_TYPICAL_SHARE = {"volt": 0.92, "watt": 0.8, "kilowatt": 0.9, "gallon": 0.9, "pint": 0.9, "quart": 0.9}


def random_number(rnd: random.Random, unit: str, load: bool = False) -> str:
    typical, (lo, hi, decimals) = _LOAD_VALUES[unit] if load and unit in _LOAD_VALUES else _VALUES[unit]
    if typical and rnd.random() < _TYPICAL_SHARE.get(unit, 0.6):
        return number_text(float(rnd.choice(typical)))
    x = rnd.uniform(lo, hi)
    d = rnd.choice(range(decimals + 1)) if decimals else 0
    x = round(x, d)
    if x <= 0:
        x = lo
    return number_text(x)


def pick_unit(rnd: random.Random, entity: str) -> str:
    key = "length" if entity in ("width", "height", "depth") else entity
    units, weights = zip(*UNIT_MIX[key])
    return rnd.choices(units, weights=weights)[0]


@dataclass
class Qty:
    """A printed quantity. ``high`` is the upper end of a printed range ("100-240V")."""

    number: str
    unit: str
    alias: str
    high: str | None = None

    @property
    def value(self) -> float:
        return float(self.number)

    def gold(self, entity: str) -> str:
        if self.high is not None:
            return f"[{format_number(float(self.number))}, {format_number(float(self.high))}] {self.unit}"
        text = format_prediction(float(self.number), self.unit, entity)
        if not text:
            raise ValueError(f"{self.unit} is not allowed for {entity}")
        return text

    def printed_number(self) -> str:
        return self.number if self.high is None else f"{self.number}-{self.high}"

    def tokens(self, tag: str | None = None, glue: bool | None = None, rnd: random.Random | None = None) -> list[Token]:
        """Words for this quantity; glued ("500g") or spaced ("500 g"). Multi-word aliases are never glued."""
        num = self.printed_number()
        if glue is None:
            glue = self.alias in ('"', "V~") or (rnd is not None and rnd.random() < 0.5)
        words = self.alias.split()
        if glue and len(words) == 1:
            return [Token(num + self.alias, tag, "value+unit" if tag else None, split=len(num))]
        return [Token(num, tag, "value" if tag else None)] + [Token(w, tag, "unit" if tag else None) for w in words]

    def text(self, glue: bool = False) -> str:
        return " ".join(t.text for t in self.tokens(glue=glue))


def make_qty(
    rnd: random.Random, unit: str, number: str | None = None, alias: str | None = None, load: bool = False
) -> Qty:
    """A printed quantity in ``unit`` (``load``: a load capacity, so a larger value)."""
    alias = alias if alias is not None else rnd.choice(ALIASES[unit])
    return Qty(number if number is not None else random_number(rnd, unit, load), unit, alias)


def check_alias(alias: str, unit: str, entity: str) -> bool:
    """The printed alias reads back as the gold unit for the entity (guards the alias table)."""
    return resolve_unit(alias, entity) == unit
