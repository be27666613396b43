"""Number + unit candidates in OCR words: every place an image states a quantity of an entity.

Used by the weak-label matcher (which keeps the candidates equal to the gold value) and by the
rule-based fallback decoder (which picks one, e.g. the tallest). Pure Python, no torch/numpy.

A candidate is a number word followed by a unit of 1-3 words ("500 g", "16.9 FL OZ", '10 "'), or a
number inside a chain of numbers sharing the chain's last unit ("10 x 20 x 30 cm", "100 - 240 V",
"[100, 240] volt"): each number of the chain is a candidate with that unit, because either end of a
range and every measure of a dimension list may be the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from layoutx.core.units import (
    LENGTH_ENTITIES,
    QUOTE_CHARS,
    allowed_units,
    is_length_only_alias,
    lookup_unit,
    resolve_unit,
)
from layoutx.labels.tokens import HYPHENS, ONE_B_UNITS, fraction_at, split_glued, word_number
from layoutx.ocr.types import Word

# Words joining the numbers of a chain: dimensions (x), ranges (-, ~, to), alternatives (/), lists (,).
CONNECTORS = {"x", "X", "×", "*", "-", "–", "—", "~", "to", "TO", "To", "/", "&", ",", "and", "or", "|"}
_GLUED_CONNECTORS = {",", "-", "–", "~", "/"}
# Multiplication signs: for lengths "10 x 20 cm" lists measures, for every other entity "6 x 150 g" /
# "4x28g" counts packs, so the number before the sign is not a quantity of the entity.
_TIMES = {"x", "X", "×", "*"}
# Single words skipped between a number and its unit: closing brackets ("[100, 240] volt") and a stray
# dot the OCR read between them ("1059 . grams").
_SKIPPABLE = {")", "]", "}", ".", "·"}
_MAX_UNIT_WORDS = 3
_MAX_CHAIN = 6


@dataclass(frozen=True)
class Candidate:
    """A quantity printed on the image: the number (``value``, decoder's reading), its canonical unit,
    the word span over the split words (``start``..``end`` exclusive, number to unit; in a chain it
    spans the numbers between) and where the number and the unit
    are. ``readings`` holds every reading of the number (e.g. "1,000" -> 1000.0 and 1.0); ``height`` is
    the number's text height in pixels (``text_height``; large print = headline value)."""

    value: float
    unit: str
    start: int
    end: int
    value_span: tuple[int, int]
    unit_span: tuple[int, int] | None
    height: float
    readings: tuple[float, ...] = ()
    shared_unit: bool = False  # the unit belongs to a later number of a chain ("10 x 20 cm": 10)


def strict_unit(text: str, entity: str) -> str | None:
    """Canonical unit allowed for the entity (the decoder's rule: only answers it may output)."""
    return resolve_unit(text, entity)


def lenient_unit(text: str, entity: str) -> str | None:
    """Canonical unit of any dimension (the matcher's rule: the gold decides), keeping the length-only
    ambiguity rule so that the "in" of "5 in 1" is never an inch on a weight."""
    if entity not in LENGTH_ENTITIES and is_length_only_alias(text):
        return None
    return lookup_unit(text)


# Lines within this many degrees of horizontal are upright: their words' box height is the text height,
# however narrow the word. Chosen on test-hand-train (rules; changed rows right / wrong against the box shape
# alone): 10 degrees: weights, volumes, voltages +5 / 0, lengths +3 / -3; 45: +5 / 0 and +11 / -14; exactly 0:
# +1 / -1 and +1 / -1.
UPRIGHT_DEGREES = 10.0


def text_height(word: Word) -> float:
    """Height of the characters in pixels: the box height, or its width for turned text (a box of several
    characters much taller than wide, off an upright line), so that rotated print is not taken as large.
    A narrow "19" on an upright line is tall print (``UPRIGHT_DEGREES``)."""
    w, h = word.box[2] - word.box[0], word.box[3] - word.box[1]
    return float(w if len(word.text) >= 2 and h > 1.5 * w and not upright(word) else h)


def upright(word: Word) -> bool:
    """The word's line runs within ``UPRIGHT_DEGREES`` of horizontal."""
    return abs(word.angle) < UPRIGHT_DEGREES


def _has_unit_chars(text: str) -> bool:
    return any(c.isalpha() or c in QUOTE_CHARS or c == "µ" for c in text) and (
        not any(c.isdigit() for c in text) or text.lower() in ONE_B_UNITS)


def _unit_at(words: Sequence[Word], i: int, entity: str, unit_of: Callable[[str, str], str | None]
             ) -> tuple[str, int] | None:
    """The longest unit starting at word i: (canonical unit, number of words)."""
    n = len(words)
    for k in range(min(_MAX_UNIT_WORDS, n - i), 0, -1):
        span = words[i : i + k]
        # a dot may stand alone inside a unit the OCR split ("4FL.OZ.(118 mL)" -> "FL", ".", "OZ")
        if not (_has_unit_chars(span[-1].text) and all(_has_unit_chars(w.text) or (w.text == "." and 0 < j < k - 1)
                                                      for j, w in enumerate(span))):
            continue
        unit = unit_of(" ".join(w.text for w in span), entity)
        if unit is not None:
            return unit, k
    return None


def find_candidates(words: Sequence[Word], entity: str, *, lenient: bool = False,
                    unit_of: Callable[[str, str], str | None] | None = None, split: bool = True) -> list[Candidate]:
    """All number+unit candidates for ``entity`` over ``split_glued(words)`` (spans index those words).

    Units are resolved with ``resolve_unit`` (only units the entity allows); ``lenient=True`` accepts
    units of any dimension (the matcher compares with the gold unit itself). Candidates come in reading
    order; a number in a chain yields one candidate with the chain's unit. ``split=False``: the words
    are already split (spans then index ``words`` as given).
    """
    allowed_units(entity)  # typed error for an unknown entity
    resolver = unit_of or (lenient_unit if lenient else strict_unit)
    ws = split_glued(words) if split else list(words)
    n = len(ws)
    readings = [word_number(w.text) for w in ws]
    units: dict[int, tuple[str, int] | None] = {}

    def unit_after(i: int) -> tuple[str, int] | None:
        if i not in units:
            units[i] = _unit_at(ws, i, entity, resolver) if i < n else None
        return units[i]

    def unit_next(j: int) -> tuple[tuple[str, int], int] | None:
        """The unit printed after the number ending at word j, and the word it starts at."""
        if (u := unit_after(j + 1)) is not None:
            return u, j + 1
        if j + 2 < n and ws[j + 1].text in _SKIPPABLE and (u := unit_after(j + 2)) is not None:
            return u, j + 2  # "[100, 240] volt"
        if (j + 2 < n and ws[j + 1].text in HYPHENS and len(ws[j + 2].text) >= 3 and ws[j + 2].text[:3].isalpha()
                and (u := unit_after(j + 2)) is not None):
            return u, j + 2  # "12-VOLT", "6-quart": a unit word spelled out after a hyphen
        return None

    texts = [w.text for w in ws]
    counts_pack = entity not in LENGTH_ENTITIES
    out: list[Candidate] = []
    inside = 0  # words before this index belong to a fraction already read
    for i in range(n):
        if i < inside or not readings[i]:
            continue
        if counts_pack and i + 2 < n and ws[i + 1].text.strip() in _TIMES and readings[i + 2]:
            continue  # "6 x 150 g": a pack count
        frac = fraction_at(texts, i)
        if frac is not None and (after := unit_next(frac[1] - 1)) is not None:
            (unit, k), unit_start = after  # "1/4 inch", "4 1/2\"", "12-9/16 in": one number over its words
            out.append(Candidate(
                value=frac[0], unit=unit, start=i, end=unit_start + k, value_span=(i, frac[1]),
                unit_span=(unit_start, unit_start + k), height=float(text_height(ws[i])), readings=(frac[0],),
            ))
            inside = frac[1]
            continue
        # Walk the chain i, (connector, number)*, until a unit follows a number.
        j = i
        found: tuple[str, int] | None = None
        unit_start = -1
        for _ in range(_MAX_CHAIN):
            if (nxt := unit_next(j)) is not None:
                found, unit_start = nxt
                break
            if j + 2 < n and ws[j + 1].text.strip() in CONNECTORS and readings[j + 2]:
                j += 2
                continue
            if j + 1 < n and ws[j].text.rstrip()[-1:] in _GLUED_CONNECTORS and readings[j + 1]:
                j += 1  # "[100.0," "240.0]" / "100-" "240V"
                continue
            break
        if found is None:
            continue
        unit, k = found
        shared = unit_start != i + 1 and not (unit_start == i + 2 and ws[i + 1].text in _SKIPPABLE)
        h = text_height(ws[i])
        out.append(Candidate(
            value=readings[i][0], unit=unit, start=i, end=unit_start + k,
            value_span=(i, i + 1), unit_span=(unit_start, unit_start + k), height=float(h),
            readings=readings[i], shared_unit=shared,
        ))
    return _compounds(out, ws)


_COMPOUND_JOINS = {".", ",", "+", "&", "and"}  # between the pounds and ounces of one weight; "/" joins two


def _compounds(cands: list[Candidate], words: Sequence[Word]) -> list[Candidate]:
    """A whole number of pounds followed by fewer than 16 ounces ("1 LB 2 OZ", "(1LB.2OZ)") is one weight
    in ounces (18), not two: alone, the pound part reads as a weight it is not."""
    out: list[Candidate] = []
    for c in cands:
        prev = out[-1] if out else None
        if (prev is not None and prev.unit == "pound" and c.unit == "ounce" and prev.value.is_integer()
                and 0 < c.value < 16 and not prev.shared_unit and not c.shared_unit
                and all(w.text.strip() in _COMPOUND_JOINS for w in words[prev.end : c.start])
                and c.start - prev.end <= 1):
            value = prev.value * 16 + c.value
            out[-1] = Candidate(value=value, unit="ounce", start=prev.start, end=c.end,
                                value_span=(prev.value_span[0], c.value_span[1]), unit_span=c.unit_span,
                                height=prev.height, readings=(value,))
            continue
        out.append(c)
    return out


def _left_of(a: Word, b: Word) -> bool:
    """Word ``a`` ends just before word ``b`` starts on the same line (they may touch or overlap a little)."""
    same_line = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1]) >= 0.5 * min(a.height, b.height)
    return same_line and a.box[0] < b.box[0] and b.box[0] - a.box[2] <= max(a.height, b.height)


def stacked_candidates(words: Sequence[Word], entity: str) -> list[Candidate]:
    """Quantities printed as a badge: a number with its unit on the line right below it ("1630" over "W",
    "275" over "POUND"), which reading order never puts together. Words are split words; each standalone
    number (no unit after it in reading order) pairs with a unit word allowed for the entity whose box
    overlaps its column by half the narrower width and starts within 0.8 of the number's height under it."""
    allowed_units(entity)
    out: list[Candidate] = []
    for i, w in enumerate(words):
        reading = word_number(w.text)
        if not reading or not upright(w):
            continue
        if i + 1 < len(words) and _unit_at(words, i + 1, entity, strict_unit) is not None:
            continue
        x0, y0, x1, y1 = w.box
        h = y1 - y0
        for j, u in enumerate(words):
            if j == i or not upright(u) or not _has_unit_chars(u.text):
                continue
            unit = strict_unit(u.text.strip("().,:;"), entity)
            if unit is None:
                continue
            ux0, uy0, ux1, uy1 = u.box
            if min(x1, ux1) - max(x0, ux0) < 0.5 * min(x1 - x0, ux1 - ux0) or not y1 - 0.3 * h <= uy0 <= y1 + 0.8 * h:
                continue
            if any(k != i and _left_of(v, u) and word_number(v.text) for k, v in enumerate(words)):
                continue  # the unit of the number printed just before it on its own line ("90.7 kg")
            out.append(Candidate(value=reading[0], unit=unit, start=i, end=i + 1, value_span=(i, i + 1),
                                 unit_span=(j, j + 1), height=float(text_height(w)), readings=reading))
            break
    return out
