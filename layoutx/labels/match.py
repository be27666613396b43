"""Weak labels: find where the gold value of a train.csv row is printed among the OCR words.

Pure Python, no torch/numpy. Rules (each has a test in tests/test_match.py):

* The words are first split where a number is glued to a unit ("500g" -> "500" "g"), so the value and
  the unit get separate tags: B-VALUE/I-VALUE on the number, B-UNIT/I-UNIT on the unit ("FL" "OZ").
* A match is a number equal to the gold value (any reading of it, relative tolerance 1e-6, so 500 =
  500.0 = 500,0) followed by a unit whose canonical form is the gold unit, directly or at the end of a
  chain ("10 x 20 cm", "100-240V"). For a range gold value either endpoint counts.
* The unit on the image must be the gold unit: "0.5 kg" does NOT match a gold "500 gram". Tagging a
  converted value would teach the model that "kg" reads as gram. One exception: "oz" on a volume
  product whose gold is in fluid ounces (and "fl oz" for a gold "ounce" volume row) — the same
  physical unit, written short.
* Every occurrence is tagged (each one is a correct answer).
* OCR confusions (O/o->0, l/I->1, S->5, B->8 in numbers; "0z", "9" and "'" for the gold's own unit
  "oz", "g" and '"', see ``unit_confusions``) are repaired only when the exact words hold no match;
  the tagged words keep the OCR's own characters, since that is what the model sees at prediction time.
* Nothing is invented: a row without a match keeps all-O tags and ``matched=False`` and is kept out of
  training.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from layoutx.core.values import Quantity, parse_entity_value
from layoutx.labels.candidates import Candidate, find_candidates
from layoutx.labels.tokens import correct_confusions, split_glued, split_word, word_number
from layoutx.ocr.types import OcrResult, Word

REL_TOL = 1e-6
_GLUED_0Z = re.compile(r"(?<=[\dlL])0([zZ])(?![A-Za-z0-9])")
_GLUED_9 = re.compile(r"(?<=\d)9$")
_GLUED_K9 = re.compile(r"(?<=\d)([kK])9$")
_GLUED_QUOTE = re.compile(r"(?<=\d)'$")

# Why a row did not match (for reports).
BAD_GOLD = "bad_gold"
VALUE_ABSENT = "value_absent"
UNIT_MISMATCH = "unit_mismatch"


@dataclass
class MatchResult:
    """Split words, one tag per split word, and the matched candidates (``spans``)."""

    words: list[Word]
    tags: list[str]
    matched: bool
    spans: list[Candidate] = field(default_factory=list)
    confusion: bool = False  # matched only after repairing OCR confusions
    reason: str = ""  # empty when matched, else BAD_GOLD / VALUE_ABSENT / UNIT_MISMATCH


def same_number(a: float, b: float) -> bool:
    """Numeric equality of challenge values (relative 1e-6, so 500 == 500.0)."""
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)


def same_unit(written: str, gold: str, entity: str) -> bool:
    """Canonical written unit equals the gold unit (fluid ounce ~ ounce on item_volume only)."""
    if written == gold:
        return True
    return entity == "item_volume" and {written, gold} == {"ounce", "fluid ounce"}


def _gold_quantity(gold: Quantity | str) -> Quantity | None:
    if isinstance(gold, Quantity):
        return gold
    parsed = parse_entity_value(gold)
    return parsed.quantity


def _hits(cands: Sequence[Candidate], gold: Quantity, entity: str) -> list[Candidate]:
    ends = gold.endpoints()
    return [c for c in cands if same_unit(c.unit, gold.unit, entity)
            and any(same_number(r, e) for r in c.readings for e in ends)]


def _tag(n: int, hits: Sequence[Candidate]) -> list[str]:
    """BIO tags; a span overlapping an already tagged one (the shared unit of a range) is left as is."""
    tags = ["O"] * n
    for c in hits:
        for span, kind in ((c.value_span, "VALUE"), (c.unit_span, "UNIT")):
            if span is None or any(tags[p] != "O" for p in range(*span)):
                continue
            for p in range(*span):
                tags[p] = f"{'B' if p == span[0] else 'I'}-{kind}"
    return tags


def split_repaired(words: Sequence[Word], texts: Sequence[str]) -> tuple[list[Word], list[Word], list[int]]:
    """Split each word where its repaired text (same length) says; return the sub-words with the OCR's
    characters, the same sub-words with the repaired characters, and for each sub-word the index of the
    word it came from."""
    orig: list[Word] = []
    fixed: list[Word] = []
    owner: list[int] = []
    for i, (w, t) in enumerate(zip(words, texts)):
        pieces = split_word(w, t)
        orig.extend(pieces)
        owner.extend([i] * len(pieces))
        pos = 0
        for p in pieces:
            fixed.append(Word(t[pos : pos + len(p.text)], p.box, p.confidence, p.angle) if t != w.text else p)
            pos += len(p.text)
    return orig, fixed, owner


def unit_confusions(texts: Sequence[str], gold_unit: str) -> list[str]:
    """Units misread as digits right after a number, repaired for the second pass (same lengths):
    "0z"/"02" -> "oz" ("8 0z", "33.8 FL. 0Z.", "80z" -> "8oz", "28FL0Z" -> "28FLOZ"), a "9" for "g" when the gold is in grams or kilograms
    ("85 9", "k 9", "1809" -> "180g", "7.3k9" -> "7.3kg"), and a single quote for an inch mark when the gold is in inches
    (EasyOCR reads " as '). Only the gold's own unit is repaired, so no other unit can appear."""
    out = list(texts)
    for i, t in enumerate(texts):
        prev = texts[i - 1] if i else ""
        after_number = bool(word_number(prev)) or (
            prev in ("k", "K") and i > 1 and bool(word_number(texts[i - 2])))
        if gold_unit in ("ounce", "fluid ounce"):
            bare = t.rstrip(".,)")
            after_quantity = after_number or prev.lower().rstrip(".") == "fl"
            if after_quantity and bare in ("0z", "0Z", "02"):
                out[i] = "oz" + t[2:]
            elif after_quantity and t == "0" and texts[i + 1:i + 2] in (["z"], ["Z"]):
                out[i] = "o"  # "28FL0Z" already cut into "28" "FL" "0" "Z"
            elif _GLUED_0Z.search(t):
                out[i] = _GLUED_0Z.sub(r"o\1", t)
        elif gold_unit in ("gram", "kilogram"):
            if after_number and t == "9":
                out[i] = "g"
            elif after_number and t in ("k9", "K9"):
                out[i] = t[0] + "g"
            elif _GLUED_9.search(t):
                out[i] = _GLUED_9.sub("g", t)
            elif _GLUED_K9.search(t):
                out[i] = _GLUED_K9.sub(r"\1g", t)
        elif gold_unit == "inch":
            if t == "'" and after_number:
                out[i] = '"'
            elif _GLUED_QUOTE.search(t):
                out[i] = _GLUED_QUOTE.sub('"', t)
    return out


def _value_present(cands_words: Sequence[Word], gold: Quantity) -> bool:
    return any(same_number(r, e) for w in cands_words for r in word_number(w.text) for e in gold.endpoints())


def match(words: Sequence[Word], gold: Quantity | str, entity: str) -> MatchResult:
    """Tag the words holding the gold value and unit; ``matched=False`` with all-O tags when absent."""
    split = split_glued(words)
    q = _gold_quantity(gold)
    if q is None:
        return MatchResult(split, ["O"] * len(split), False, reason=BAD_GOLD)
    hits = _hits(find_candidates(split, entity, lenient=True, split=False), q, entity)
    if hits:
        return MatchResult(split, _tag(len(split), hits), True, hits)
    # the misreadings repaired on the OCR's words, then on their split pieces ("0Z.340g" -> "0" "Z" ...)
    for base in (words, split):
        fixed_texts = unit_confusions([correct_confusions(w.text) for w in base], q.unit)
        if fixed_texts != [w.text for w in base]:
            orig, fixed, _ = split_repaired(base, fixed_texts)
            hits = _hits(find_candidates(fixed, entity, lenient=True, split=False), q, entity)
            if hits:
                return MatchResult(orig, _tag(len(orig), hits), True, hits, confusion=True)
    reason = UNIT_MISMATCH if _value_present(split, q) else VALUE_ABSENT
    return MatchResult(split, ["O"] * len(split), False, reason=reason)


def covers(words: Sequence[Word], gold_text: str, entity: str) -> bool:
    """True when the gold value and its unit can be found in these OCR words (the OCR benchmark's test)."""
    return match(words, gold_text, entity).matched


# Pseudo-layout of text-only OCR rows: 10 px per character, 20 px high words, lines of at most
# TEXT_LINE_CHARS characters 30 px apart. A block of lines looks to the layout model like the short
# lines of packaging text; one endless line would be unlike anything it sees on images.
TEXT_LINE_CHARS = 60
_CHAR_W, _WORD_H, _LINE_H = 10.0, 20.0, 30.0


def text_words(text: str, line_chars: int = TEXT_LINE_CHARS) -> list[Word]:
    """Whitespace-split words with dummy boxes (reading order kept) for text-only OCR rows."""
    out: list[Word] = []
    x = y = 0.0
    for t in text.split():
        w = _CHAR_W * len(t)
        if x > 0 and x + w > _CHAR_W * line_chars:
            x, y = 0.0, y + _LINE_H
        out.append(Word(t, (x, y, x + w, y + _WORD_H)))
        x += w + _CHAR_W
    return out


def text_ocr(text: str, line_chars: int = TEXT_LINE_CHARS) -> OcrResult:
    """An OcrResult for a text-only OCR row (``text_words`` on a page just large enough to hold them)."""
    words = tuple(text_words(text, line_chars))
    width = max((w.box[2] for w in words), default=_CHAR_W)
    height = max((w.box[3] for w in words), default=_WORD_H)
    return OcrResult(words, int(width), int(height), "text")
