"""OCR word text -> numbers and units: number readings, glued-word splitting and OCR-confusion repair.

Pure Python (no torch/numpy): weak labels, the OCR benchmark and the rule-based decoder all read numbers
the same way through this module.

Number rules (``number_readings``; every rule has a test in tests/test_match.py):

* ``500``, ``500.0``, ``.5``, ``0.50``, ``500.`` read as plain decimals (a dot is a decimal point first).
* A single comma followed by exactly three digits after a 1-3 digit group that does not start with 0
  (``1,000``) is a thousands separator (1000); the decimal-comma reading (1.0) is kept as an alternative.
  Any other single comma is a decimal comma: ``500,0`` -> 500.0, ``1,5`` -> 1.5, ``0,500`` -> 0.5.
* A single dot followed by exactly three digits after such a group (``1.000``, ``2.500``) reads as a
  decimal first (1.0) with the European thousands reading (1000) as an alternative.
* Several separators of one kind, all followed by three-digit groups (``1,000,000``, ``1.000.000``) are
  thousands separators; otherwise (``5.5.6``) the text is not one number.
* Both kinds (``1,234.5`` / ``1.234,5``): the last one is the decimal separator, the others thousands.

The first reading is what a decoder should use; the weak-label matcher accepts any reading, because it
knows the answer and only needs to find where it is printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from layoutx.core.boxes import split_box
from layoutx.core.units import QUOTE_CHARS, lookup_unit
from layoutx.ocr.types import Word

# Runs of a word: a number (digit groups joined by single dots/commas, or a leading-dot decimal ".5" not
# glued to a letter), a letter run, a run of quote marks (inch/foot signs), or any other single character.
_SEGMENT_RE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*|(?<![^\W_])[.,]\d+)|(?P<alpha>[^\W\d_]+)|(?P<quote>[" + re.escape(QUOTE_CHARS) + "]+)|(?P<other>.)",
    re.S,
)
_PURE_NUMBER = re.compile(r"^(?:\d+(?:[.,]\d+)*[.,]?|[.,]\d+)$")
# Characters stripped around a number word that was not split: "(500", "500)", "~12", "500:".
_LEAD_PUNCT = "([{<~≈:≥≤*#@+-–—"
_TRAIL_PUNCT = ")]}>,;:.*!?-–—"

# Letters that begin a multi-word unit ("16.9FL OZ", "5cu ft") but are not units themselves.
_UNIT_PREFIXES = {"fl", "fl.", "f", "cu", "sq", "imp", "us", "fluid", "cubic"}  # "f": "16f oz." (the l dropped)
# Letters that may be glued in front of a number of a quantity ("AC100-240V", "x30").
_NUMBER_PREFIXES = {"x", "X", "AC", "DC", "ac", "dc", "Ac", "Dc"}
_QUOTES = set(QUOTE_CHARS)
# Units after which OCR glues an "e": the EU estimated sign ℮ ("400ge", "250mLe").
_ESTIMATED_SIGN_UNITS = frozenset({"gram", "kilogram", "milligram", "millilitre", "litre", "centilitre"})
# "lb" misread with a one ("501b" is 50 lb, "800 1b" 800 lb): the only unit words with a digit
# (``layoutx.core.units`` has them as aliases of pound).
ONE_B_UNITS = frozenset({"1b", "1bs"})

# Typical OCR confusions of digits, applied only inside numeric runs (see ``correct_confusions``).
CONFUSIONS: dict[str, str] = {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "s": "5",
                              "B": "8"}
_CONFUSABLE = set(CONFUSIONS)


@lru_cache(maxsize=4096)
def number_readings(text: str) -> tuple[float, ...]:
    """Every plausible value of a number written with dots/commas, the decoder's reading first; () if none.

    ``text`` must be digits and separators only (see the module docstring for the rules).
    """
    t = text.strip()
    if not t or not _PURE_NUMBER.match(t):
        return ()
    if t[-1] in ".,":  # "500." / "500,"
        t = t[:-1]
    if t[0] in ".,":
        return (float("0." + t[1:]),)
    dots, commas = t.count("."), t.count(",")
    if dots == 0 and commas == 0:
        return (float(t),)
    if dots and commas:
        last = max(t.rfind("."), t.rfind(","))
        dec_sep = t[last]
        int_part, frac = t[:last], t[last + 1 :]
        groups = re.split(r"[.,]", int_part)
        thou = "," if dec_sep == "." else "."
        if dec_sep in int_part or not _thousands_groups(groups) or any(c not in "0123456789" + thou for c in int_part):
            return ()
        return (float("".join(groups) + "." + frac),)
    sep = "." if dots else ","
    groups = t.split(sep)
    if len(groups) > 2:
        return (float("".join(groups)),) if _thousands_groups(groups) else ()
    head, tail = groups
    decimal = float(head + "." + tail)
    if _thousands_groups(groups):
        thousands = float(head + tail)
        return (thousands, decimal) if sep == "," else (decimal, thousands)
    return (decimal,)


def _thousands_groups(groups: Sequence[str]) -> bool:
    """True for "1","000","000"-style groups: a 1-3 digit head not starting with 0, then 3-digit groups."""
    head = groups[0]
    return 1 <= len(head) <= 3 and head[0] != "0" and all(len(g) == 3 for g in groups[1:])


def word_number(text: str) -> tuple[float, ...]:
    """Readings of a whole OCR word holding one number, tolerating brackets/colons around it ("(500")."""
    t = text.strip().lstrip(_LEAD_PUNCT).rstrip(_TRAIL_PUNCT)
    if not t or not (t[0].isdigit() or (t[0] in ".," and len(t) > 1)):
        return ()
    return number_readings(t)


# Denominators of the fractions printed on imperial measures ("1/4 inch", "12-9/16\"").
FRACTION_DENOMINATORS = frozenset({2, 3, 4, 8, 16, 32, 64})
# Hyphens joining a whole number to its fraction ("12-9/16") or a number to its unit word ("12-VOLT").
HYPHENS = frozenset({"-", "–"})


def _whole(text: str) -> int | None:
    t = text.strip()
    return int(t) if t.isascii() and t.isdigit() and len(t) <= 4 and (t == "0" or t[0] != "0") else None


def fraction_at(texts: Sequence[str], i: int) -> tuple[float, int] | None:
    """A fraction or mixed number starting at split word ``i``: (value, end index exclusive) for "1 / 4",
    "4 1 / 2" and "12 - 9 / 16" (0.25, 4.5, 12.5625); None otherwise. Only proper fractions with a usual
    denominator, so "50/60" or a date stay separate numbers."""
    def proper(k: int) -> float | None:
        if k + 2 >= len(texts) or texts[k + 1].strip() != "/":
            return None
        a, b = _whole(texts[k]), _whole(texts[k + 2])
        return a / b if a is not None and b is not None and 0 < a < b and b in FRACTION_DENOMINATORS else None

    whole = _whole(texts[i]) if i < len(texts) else None
    if whole is None:
        return None
    for k in (i + 1, i + 2):  # "4 1/2", "12-9/16": a whole number, then the fraction
        if k == i + 2 and (k >= len(texts) or texts[i + 1].strip() not in HYPHENS):
            break
        frac = proper(k)
        if frac is not None:
            return whole + frac, k + 3
    frac = proper(i)
    return (frac, i + 3) if frac is not None else None


def is_unit_like(text: str) -> bool:
    """A letter run that is a unit or starts a multi-word unit ("g", "FL", "cu"); quotes count (10")."""
    if not text:
        return False
    if text[0] in _QUOTES:
        return lookup_unit(text) is not None or set(text) <= _QUOTES
    return lookup_unit(text) is not None or text.lower() in _UNIT_PREFIXES


def _segments(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) runs of a word: num, alpha, quote, other (one char each)."""
    out: list[tuple[str, int, int]] = []
    for m in _SEGMENT_RE.finditer(text):
        kind = m.lastgroup or "other"
        s, e = m.span()
        if kind == "alpha" and out and out[-1][0] == "num":
            run = text[s:e]
            # "cmx" in "25cmx30cm": a unit glued to the dimension sign; "400ge", "250mLe": the EU
            # estimated sign (℮) read as an "e" after a metric unit.
            unit = lookup_unit(run[:-1]) if len(run) > 1 else None
            if unit is not None and lookup_unit(run) is None and (
                    run[-1] in "xX" or (run[-1] == "e" and unit in _ESTIMATED_SIGN_UNITS)):
                out.append(("alpha", s, e - 1))
                out.append(("alpha", e - 1, e))
                continue
            # "18VLITHIUM", "220VIsuHz": a volt or watt sign glued to the word after it.
            if len(run) >= 4 and run[0] in "VvWw" and lookup_unit(run) is None:
                out.append(("alpha", s, s + 1))
                out.append(("alpha", s + 1, e))
                continue
            # "501b", "5.731b(2.6kg)": "lb" read with a one; the one belongs to the unit.
            ns, ne = out[-1][1], out[-1][2]
            if "1" + run in ONE_B_UNITS and ne - ns > 1 and text[ne - 1] == "1" and text[ne - 2].isdigit():
                out[-1] = ("num", ns, ne - 1)
                out.append(("alpha", ne - 1, e))
                continue
        if kind == "other" and out and out[-1][0] == "other" and text[s] == text[out[-1][1]]:
            out[-1] = ("other", out[-1][1], e)  # "--", "..." stay one piece
            continue
        out.append((kind, s, e))
    return out


def split_points(text: str) -> list[tuple[int, int]]:
    """Character ranges a word is cut into; one range (the whole word) when it is left alone.

    A word holding a number is cut into its runs ("500g", "16.9FL", '10"', "100-240V", "25x30cm",
    "12.5cm/4.9in", "(500", "Weight:4g", "Upto-120", "Weight150") unless a number is glued to letters that are not
    a unit and no unit is glued to a number ("XJ500", "5000mAh", "GX53": names, or units the challenge
    does not have), which stay whole. Every piece is a
    number, a letter run, a quote run or a punctuation run, so value and unit get separate tags and
    brackets never end up inside a tagged word.
    """
    if not any(c.isdigit() for c in text):
        return [(0, len(text))]
    segs = _segments(text)
    nums = [i for i, s in enumerate(segs) if s[0] == "num"]
    if not nums:
        return [(0, len(text))]
    glued_unit = False
    identifier = False
    for i in nums:
        for j in (i - 1, i + 1):
            if not (0 <= j < len(segs)) or segs[j][0] not in ("alpha", "quote"):
                continue
            run = text[segs[j][1] : segs[j][2]]
            if j == i + 1 and is_unit_like(run):
                glued_unit = True
            elif j == i - 1 and (run in _NUMBER_PREFIXES or is_unit_like(run) or len(run) >= 4):
                continue  # "AC100", "x30", "Weight150" (a word whose space the OCR dropped)
            else:
                identifier = True  # "XJ500", "5000mAh", "GX53": a name, not a quantity
    if identifier and not glued_unit:
        # "lb(1.13k)": the unit of the number before this word, then a bracketed second printing that the
        # OCR cut short; the unit and the bracket are cut off, the rest stays whole.
        first = text[segs[0][1] : segs[0][2]]
        if (len(segs) > 2 and segs[0][0] == "alpha" and lookup_unit(first) is not None
                and segs[1][0] == "other" and text[segs[1][1]] in "(/["):
            return [(segs[0][1], segs[0][2]), (segs[1][1], segs[1][2]), (segs[2][1], len(text))]
        return [(0, len(text))]
    return [(s, e) for _, s, e in segs]


def split_word(word: Word, analysis_text: str | None = None) -> list[Word]:
    """Cut one word (see ``split_points``) into sub-words with proportional boxes (sep=0).

    Where to cut is decided on ``analysis_text`` (same length as the word; default: the word with OCR
    digit confusions repaired, so "5OOg" is cut into "5OO" "g" at training and prediction time alike);
    the sub-words keep the word's own characters.
    """
    text = word.text
    default = analysis_text is None
    basis = correct_confusions(text) if analysis_text is None else analysis_text
    if len(basis) != len(text):
        basis = text
    points = split_points(basis)
    if len(points) == 1:
        return [word]
    pieces = [text[s:e] for s, e in points]
    out = [Word(p, b, word.confidence, word.angle) for p, b in zip(pieces, piece_boxes(word.box, pieces, word.angle))]
    if default:  # a piece may read differently alone ("'7lv" -> "7l" -> "7" "l"): cut until stable
        out = [q for w in out for q in split_word(w)]
    return out


def piece_boxes(box: tuple[float, float, float, float], pieces: Sequence[str], angle: float = 0.0
                ) -> list[tuple[float, float, float, float]]:
    """Proportional sub-boxes (``split_box``, sep=0). A box much taller than wide holding several
    characters is vertical text, cut along its height: the first piece at the bottom (text turned 90
    degrees counter-clockwise, as dimension drawings print side labels) unless the OCR read the line top
    to bottom (``angle`` -90)."""
    x0, y0, x1, y1 = box
    n_chars = sum(len(p) for p in pieces)
    if n_chars >= 2 and (y1 - y0) > 1.5 * (x1 - x0):
        if angle <= -45.0:
            turned = split_box((y0, x0, y1, x1), pieces, sep=0)
            return [(bx0, d0, bx1, d1) for d0, bx0, d1, bx1 in turned]
        turned = split_box((0.0, x0, y1 - y0, x1), pieces, sep=0)  # distance from the bottom edge
        return [(bx0, y1 - d1, bx1, y1 - d0) for d0, bx0, d1, bx1 in turned]
    return split_box(box, pieces, sep=0)


def split_glued(words: Sequence[Word]) -> list[Word]:
    """Every word cut into number / unit / punctuation sub-words where glued; others unchanged.

    Idempotent: splitting already split words changes nothing.
    """
    out: list[Word] = []
    for w in words:
        out.extend(split_word(w))
    return out


def correct_confusions(text: str) -> str:
    """The word with letters commonly misread for digits (O/o/D->0, l/I/|->1, S/s->5, B->8) replaced
    inside numeric runs only: a run of digits, separators and confusable letters holding at least one
    real digit ("5OO" -> "500", "l.5" -> "1.5", "1O0" -> "100"). Trailing confusable letters that,
    with the letters after them, spell a unit are kept ("5OOl" -> "500l", "5Olb" -> "50lb"). Same
    length as the input, so boxes and character offsets carry over.
    """
    if not any(c in _CONFUSABLE for c in text) or not any(c.isdigit() for c in text):
        return text
    chars = list(text)
    n = len(text)
    i = 0
    while i < n:
        if not (text[i].isdigit() or text[i] in _CONFUSABLE):
            i += 1
            continue
        j = i
        while j < n and (text[j].isdigit() or text[j] in _CONFUSABLE or (text[j] in ".," and j + 1 < n
                                                                        and (text[j + 1].isdigit()
                                                                             or text[j + 1] in _CONFUSABLE))):
            j += 1
        run = text[i:j]
        if any(c.isdigit() for c in run):
            # letters following the run (unit candidates)
            k = j
            while k < n and text[k].isalpha():
                k += 1
            tail_letters = text[j:k]
            last_digit = max(p for p, c in enumerate(run) if c.isdigit() or c in ".,")
            keep_from = len(run)
            # smallest trailing confusable suffix that forms a unit with the following letters
            for t in range(1, len(run) - last_digit):
                suffix = run[len(run) - t :]
                if lookup_unit(suffix + tail_letters) is not None and (tail_letters or t == 1):
                    keep_from = len(run) - t
                    break
            # Leading confusable letters that, with the letters right before them, spell a unit stay
            # letters: "1LB454G" is 1 LB 454 G, not 1 L 8454 G.
            h = i
            while h > 0 and text[h - 1].isalpha():
                h -= 1
            keep_to = 0
            lead = 0
            while h < i and lead < last_digit and run[lead].isalpha():
                lead += 1
                if lookup_unit(text[h:i] + run[:lead]) is not None:  # "LB" of "1LB454G", "LBS" of "2LBS12"
                    keep_to = lead
            # A confusable letter that starts the run must touch a digit or a separator to count.
            for p in range(keep_to, keep_from):
                c = run[p]
                if c in _CONFUSABLE:
                    chars[i + p] = CONFUSIONS[c]
        i = max(j, i + 1)
    return "".join(chars)
