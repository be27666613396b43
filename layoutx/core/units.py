"""Entities, their allowed units, and how units are written on packaging and in OCR output.

Pure Python, no torch: every stage (parsing gold values, matching OCR words, decoding, sanity) resolves
units through this one table so that they can never disagree.

Ambiguity rules (each has a test in tests/test_units.py):

* ``m`` is metre only for length entities (width, height, depth); elsewhere it is not a unit.
* ``oz``/``ounce`` is the weight ounce. For ``item_volume`` only a written fluid form (``fl oz``, ``fl.oz``,
  ``floz``, ``fluid ounce``) resolves to ``fluid ounce``; a bare ``oz`` on a volume is a weight, so it is
  not an allowed volume unit (train.csv writes such rows as ``ounce``, which the challenge does not allow).
* ``in`` / ``"`` are inches and ``'`` / ``ft`` feet only for length entities.
* ``l`` is litre (OCR often reads ``1`` as ``l``; telling them apart is the matcher's job, not this table's).
* ``cc`` is a millilitre, ``tonne`` a ton (``t`` too, but only for ``maximum_weight_recommendation``), ``gr`` a
  gram (not a grain: grains do not occur in the data).
* ``gal`` is the US gallon; ``imp gal`` / ``imperial gallon`` the imperial one.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

LENGTH_ENTITIES = ("width", "height", "depth")
WEIGHT_ENTITIES = ("item_weight", "maximum_weight_recommendation")


@lru_cache(maxsize=1)
def entity_units() -> dict[str, tuple[str, ...]]:
    """The challenge's ``entity_unit_map``, shipped inside the package (never read from ../shared)."""
    text = resources.files("layoutx.resources").joinpath("entity_units.json").read_text("utf-8")
    return {name: tuple(units) for name, units in json.loads(text).items()}


ENTITIES: tuple[str, ...] = tuple(entity_units())

# canonical unit -> dimension; a canonical unit belongs to exactly one dimension.
DIMENSION: dict[str, str] = {
    **{u: "length" for u in ("centimetre", "foot", "inch", "metre", "millimetre", "yard")},
    **{u: "weight" for u in ("gram", "kilogram", "microgram", "milligram", "ounce", "pound", "ton")},
    **{u: "voltage" for u in ("kilovolt", "millivolt", "volt")},
    **{u: "wattage" for u in ("kilowatt", "watt", "horsepower")},
    **{
        u: "volume"
        for u in (
            "centilitre", "cubic foot", "cubic inch", "cup", "decilitre", "fluid ounce", "gallon",
            "imperial gallon", "litre", "microlitre", "millilitre", "pint", "quart",
        )
    },
}

ENTITY_DIMENSION: dict[str, str] = {
    "width": "length", "height": "length", "depth": "length",
    "item_weight": "weight", "maximum_weight_recommendation": "weight",
    "voltage": "voltage", "wattage": "wattage", "item_volume": "volume",
}

# alias (normalised by ``_norm``) -> canonical unit. Canonical names, plural forms and the official
# "common mistakes" (meter/metre, feet/foot) are added below.
_ALIASES: dict[str, str] = {
    # weight
    "g": "gram", "gm": "gram", "gms": "gram", "gr": "gram", "grs": "gram", "gram": "gram", "grams": "gram",
    "gramm": "gram", "grammes": "gram", "gramme": "gram",
    "gsm": "gram",  # fabric weight per square metre: the official train gold reads "160GSM" as 160 gram (5 of 5 text rows)
    "kg": "kilogram", "kgs": "kilogram", "kilo": "kilogram", "kilos": "kilogram", "kilogramme": "kilogram",
    "mg": "milligram", "mgs": "milligram",
    "mcg": "microgram", "µg": "microgram", "μg": "microgram", "ug": "microgram",
    "oz": "ounce", "ozs": "ounce", "ounces": "ounce", "onz": "ounce",
    "lb": "pound", "lbs": "pound", "pounds": "pound", "ib": "pound", "ibs": "pound",
    "1b": "pound", "1bs": "pound",  # OCR reads the "l" as a one ("50 1b", "501b": layoutx.labels.tokens)
    "t": "ton", "ton": "ton", "tons": "ton", "tonne": "ton", "tonnes": "ton",
    # volume
    "ml": "millilitre", "mls": "millilitre", "cc": "millilitre", "milliliter": "millilitre",
    "milliliters": "millilitre", "millilitres": "millilitre",
    "cl": "centilitre", "centiliter": "centilitre", "dl": "decilitre", "deciliter": "decilitre",
    "l": "litre", "lt": "litre", "ltr": "litre", "ltrs": "litre", "liter": "litre", "liters": "litre",
    "litres": "litre",
    "µl": "microlitre", "μl": "microlitre", "ul": "microlitre", "microliter": "microlitre",
    "floz": "fluid ounce", "fl oz": "fluid ounce", "fluid oz": "fluid ounce", "fluid ounces": "fluid ounce",
    "fl ounce": "fluid ounce", "fl ounces": "fluid ounce",
    "f oz": "fluid ounce", "fi oz": "fluid ounce", "fioz": "fluid ounce",  # OCR drops or misreads the "l"
    "gal": "gallon", "gals": "gallon", "gallons": "gallon", "us gal": "gallon",
    "imp gal": "imperial gallon", "imperial gallons": "imperial gallon",
    "qt": "quart", "qts": "quart", "quarts": "quart", "pt": "pint", "pts": "pint", "pints": "pint",
    "cup": "cup", "cups": "cup",
    "cu ft": "cubic foot", "cuft": "cubic foot", "ft3": "cubic foot", "ft³": "cubic foot",
    "cubic feet": "cubic foot", "cu in": "cubic inch", "cuin": "cubic inch", "in3": "cubic inch",
    "in³": "cubic inch", "cubic inches": "cubic inch",
    # voltage
    "v": "volt", "vac": "volt", "vdc": "volt", "v ac": "volt", "v dc": "volt", "volts": "volt", "v~": "volt",
    "kv": "kilovolt", "kilovolts": "kilovolt", "mv": "millivolt", "millivolts": "millivolt",
    # wattage
    "w": "watt", "watts": "watt", "kw": "kilowatt", "kilowatts": "kilowatt", "hp": "horsepower",
    # length
    "cm": "centimetre", "cms": "centimetre", "centimeter": "centimetre", "centimeters": "centimetre",
    "centimetres": "centimetre",
    "mm": "millimetre", "millimeter": "millimetre", "millimeters": "millimetre", "millimetres": "millimetre",
    "m": "metre", "meter": "metre", "meters": "metre", "metres": "metre", "mtr": "metre", "mtrs": "metre",
    "in": "inch", "inch": "inch", "inches": "inch", '"': "inch", "''": "inch", "”": "inch", "″": "inch",
    "ft": "foot", "feet": "foot", "foot": "foot", "'": "foot", "’": "foot", "′": "foot",
    "yd": "yard", "yds": "yard", "yard": "yard", "yards": "yard",
}
for _unit in DIMENSION:
    _ALIASES.setdefault(_unit, _unit)
    _ALIASES.setdefault(_unit + "s", _unit)  # "Kilograms", "Milligrams" as spec tables print them
    if _unit.endswith("metre"):
        _ALIASES.setdefault(_unit[:-5] + "meters", _unit)

# Size of each canonical unit in its dimension's base unit (gram, millimetre, millilitre, volt, watt): tells two
# printings of one quantity ("8 OZ (227g)") apart from two different quantities.
TO_BASE: dict[str, float] = {
    "gram": 1.0, "kilogram": 1e3, "milligram": 1e-3, "microgram": 1e-6, "ounce": 28.349523, "pound": 453.59237,
    "ton": 1e6, "millimetre": 1.0, "centimetre": 10.0, "metre": 1e3, "inch": 25.4, "foot": 304.8, "yard": 914.4,
    "millilitre": 1.0, "centilitre": 10.0, "decilitre": 100.0, "litre": 1e3, "microlitre": 1e-3,
    "fluid ounce": 29.57353, "gallon": 3785.41, "imperial gallon": 4546.09, "pint": 473.176, "quart": 946.353,
    "cup": 240.0, "cubic foot": 28316.85, "cubic inch": 16.387064, "volt": 1.0, "kilovolt": 1e3, "millivolt": 1e-3,
    "watt": 1.0, "kilowatt": 1e3,
}


def same_quantity(a: float, unit_a: str, b: float, unit_b: str, tolerance: float = 0.05) -> bool:
    """True when "a unit_a" and "b unit_b" are one quantity written in two units (within ``tolerance``, as
    packaging rounds the conversion: 8 oz = 226.8 g printed "227g")."""
    fa, fb = TO_BASE.get(unit_a), TO_BASE.get(unit_b)
    if fa is None or fb is None or unit_a == unit_b or DIMENSION.get(unit_a) != DIMENSION.get(unit_b) or b == 0:
        return False
    return abs(a * fa / (b * fb) - 1.0) <= tolerance


# Aliases that are only units for some entities (see the module docstring).
# Characters that write an inch or foot mark ('10"', "10”", "5'"): quote runs are units of their own. Not the
# opening quote “: on test-hand-train it followed a number twice, and reading it as inches lost one rule answer.
QUOTE_CHARS = "\"'”″’′"
_QUOTE_UNITS = {'"', "''", "”", "″", "'", "’", "′"}
_LENGTH_ONLY = {"m", "in"} | _QUOTE_UNITS
# The letter t is a ton only on a maximum weight ("3T jack"); on an item weight it is a fabric's thread count
# ("190T polyester") or a stray letter: the rules' 15 item_weight answers in tons on the official train rows
# with EasyOCR text were all wrong (official golds in tons: 32 of 3,000 item weights, 217 of 3,000 maximum
# weights in train_sampled_24k.csv).
_TON_LETTER_ENTITIES = frozenset({"maximum_weight_recommendation"})


def _norm(text: str) -> str:
    """Case- and punctuation-tolerant key: 'Fl. Oz.' -> 'fl oz', 'KGS' -> 'kgs', 'V~' stays 'v~'."""
    t = text.strip().lower().replace("\u03bc", "\u00b5")  # Greek mu -> micro sign
    if t in _QUOTE_UNITS:
        return t
    t = re.sub(r"[.,:;()\[\]/]+", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    return t


def lookup_unit(text: str) -> str | None:
    """Canonical unit for a written unit regardless of entity ('lbs' -> 'pound'), or None."""
    key = _norm(text)
    if key in _ALIASES:
        return _ALIASES[key]
    squeezed = key.replace(" ", "")
    return _ALIASES.get(squeezed)


def resolve_unit(text: str, entity: str) -> str | None:
    """Canonical unit allowed for ``entity``, applying the ambiguity rules, or None.

    Raises UnknownEntityError for an entity name the challenge does not have.
    """
    allowed = allowed_units(entity)
    key = _norm(text)
    if key in _LENGTH_ONLY and entity not in LENGTH_ENTITIES:
        return None
    if key == "t" and entity not in _TON_LETTER_ENTITIES:
        return None
    unit = lookup_unit(text)
    if unit is None:
        return None
    return unit if unit in allowed else None


def allowed_units(entity: str) -> tuple[str, ...]:
    """The allowed units of an entity; a typed error listing the valid names otherwise."""
    units = entity_units().get(entity)
    if units is None:
        from layoutx.errors import UnknownEntityError

        raise UnknownEntityError(entity)
    return units


def unit_aliases() -> dict[str, str]:
    """A copy of the alias table (normalised alias -> canonical unit), for matchers and decoders."""
    return dict(_ALIASES)


def is_length_only_alias(alias: str) -> bool:
    """True for aliases such as 'm' or '"' that are units only on width/height/depth."""
    return _norm(alias) in _LENGTH_ONLY
