"""Per-word tag probabilities -> one answer ("500.0 gram" or "") for an entity. Pure Python, no torch.

The model tags VALUE and UNIT words (BIO over ``layoutx.labels.tags.LABELS``); decoding turns the tagged
spans into quantities and picks one:

* a VALUE span is read with the weak-label number reader (``layoutx.labels.tokens.word_number``; a span
  of two numbers joined by a range connector, or two VALUE spans joined by one, is a range);
* its unit is the tagged UNIT span next to it, else the unit written in the adjacent words, else the
  entity's most likely unit (``MOST_LIKELY_UNIT``); a unit the entity does not allow discards the
  candidate (that number measures something else);
* a range becomes one number by ``RANGE_POLICY`` (the submission format has no ranges);
* several candidates -> the highest score (mean tag probability x unit evidence);
* a tagged UNIT with no tagged VALUE reads the number before it as a weak model answer, which ranks
  after the fallback (it is the model-only answer when ``fallback=False``);
* nothing usable tagged -> with ``fallback=True`` the rule-based candidate finder proposes the quantity
  right after an entity keyword ("W:", "Net Wt"), else the one printed in the largest text
  (``source="fallback"``), so the system answers whenever the image states
  any quantity of the entity: under the challenge F1 a wrong answer costs no more than an empty one when
  the truth is non-empty.

``source`` tells model answers from fallback answers, so one run yields both the model-only figure
(fallback answers counted as empty) and the with-fallback figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from layoutx.core.units import ENTITY_DIMENSION, allowed_units, lookup_unit, resolve_unit, same_quantity
from layoutx.core.values import format_prediction
from layoutx.labels.candidates import Candidate, find_candidates, stacked_candidates
from layoutx.labels.match import split_repaired, unit_confusions
from layoutx.labels.tags import LABELS
from layoutx.labels.tokens import correct_confusions, fraction_at, word_number
from layoutx.ocr.types import Box, Word, orientation

MODEL = "model"
FALLBACK = "fallback"
NONE = "none"

# The most frequent gold unit per entity, used when a tagged value has no unit next to it. Counted
# offline over the 2,639 rows of ../shared/data/amazon-ml-2024/dataset/train.csv with
# parse_entity_value (2024-11 snapshot): item_weight gram 615/1038, maximum_weight_recommendation
# kilogram 17/38, voltage volt 85/85, wattage watt 76/78, item_volume millilitre 30/72, width
# centimetre 217/469, height centimetre 216/416, depth centimetre 198/443.
MOST_LIKELY_UNIT: dict[str, str] = {
    "item_weight": "gram",
    "maximum_weight_recommendation": "kilogram",
    "voltage": "volt",
    "wattage": "watt",
    "item_volume": "millilitre",
    "width": "centimetre",
    "height": "centimetre",
    "depth": "centimetre",
}

# Which end of a printed range to answer, per dimension. Measured on train.csv + the EasyOCR text of the
# same rows (extras/ocr/train_easyocr_text.csv): for rows whose OCR text shows a range "a-b unit" in
# the gold unit, the gold was, for width/height/depth, the low end in 21 rows, the high end in 5, the
# range in 0; for the other entities the whole range in 17 rows (e.g. "[100.0, 265.0] volt" for
# "100-265v"), the high end in 3, the low end in 0. The submission format cannot express a range, so
# a range-gold row is lost either way and the better single end is kept: low for lengths, high
# otherwise.
RANGE_POLICY: dict[str, str] = {"length": "low", "weight": "high", "volume": "high", "voltage": "high",
                                "wattage": "high"}

RANGE_CONNECTORS = {"-", "–", "—", "~", "to", "TO", "To"}

# Words that name the entity right before its number ("W: 152 cm", "Net Wt 500 g", "Input 220 V"). The
# fallback prefers candidates with one of them among the ``KEYWORD_WINDOW`` words before the number:
# packaging states several quantities and, for dimensions, the letter is the only thing telling width
# from height from depth.
ENTITY_KEYWORDS: dict[str, frozenset[str]] = {
    "width": frozenset({"w", "width", "wide", "breadth"}),
    "height": frozenset({"h", "height", "tall", "high"}),
    "depth": frozenset({"d", "depth", "deep", "l", "length", "long"}),
    "item_weight": frozenset({"net", "weight", "weighs", "wt", "nw", "netwt", "n.w", "mass"}),
    "maximum_weight_recommendation": frozenset({"max", "maximum", "load", "capacity", "bearing", "supports",
                                                "holds", "up"}),
    "voltage": frozenset({"input", "voltage", "rated", "volt", "output"}),
    "wattage": frozenset({"power", "wattage", "rated", "output", "max"}),
    "item_volume": frozenset({"volume", "vol", "net", "contents", "content", "capacity"}),
}
KEYWORD_WINDOW = 3
# Words that, in the same window, make an entity keyword name another quantity: "Max User Weight: 265 lbs",
# "Weight Capacity: 331 lbs" and "G.W.: 10 kg" are not the item's weight.
NOT_KEYWORDS: dict[str, frozenset[str]] = {
    "item_weight": frozenset({"gross", "g.w", "gw", "capacity", "load", "max", "maximum", "user", "bearing",
                              "limit", "maximale", "belastung", "belastbarkeit", "tragkraft", "tragfähigkeit"}),
    # a battery's charging / regulation voltage beside its rated one ("6 V 4.5 Ah"; test-hand-train +2, none lost)
    "voltage": frozenset({"regulation", "charge", "charging", "float", "cut-off", "cutoff"}),
    # the item's own weight beside a maximum load (official-gold text rows +1, test-hand-train rules unchanged)
    "maximum_weight_recommendation": frozenset({"net", "wt", "nw", "n.w", "netwt", "weighs", "gross", "g.w", "gw",
                                                "self-weight", "self"}),
}
# Nutrition-panel rows ("Total Fat 5 g", "Sodium 15 mg", "davon Zucker 14 g"): never the item's weight. In
# the official train rows with EasyOCR text (extras/ocr/train_easyocr_text.csv, 164 item_weight rows with
# the gold among two or more printed weights), candidates after these words were the gold 0 times in 110.
NUTRIENTS: frozenset[str] = frozenset({
    "fat", "fats", "saturated", "trans", "protein", "proteins", "carbohydrate", "carbohydrates", "carbs",
    "sugar", "sugars", "sodium", "salt", "fibre", "fiber", "cholesterol", "calcium", "potassium", "iron",
    "vitamin", "vit", "magnesium", "zinc", "davon", "fett", "eiweiß", "eiweiss", "kohlenhydrate", "zucker", "salz",
    "ballaststoffe", "fettsäuren", "fettsauren", "energy", "energie", "fatty", "omega",
    "dietary", "total", "polyunsaturated", "monounsaturated",
})
# Evidence factors multiplied into a candidate's score by where its unit came from.
UNIT_ADJACENT = 0.9  # an untagged unit word right after the value
UNIT_PRIOR = 0.5  # no unit on the image: the entity's most likely unit
UNIT_ONLY = 0.5  # the model tagged only the unit; the number before it is read untagged
FALLBACK_SCALE = 0.25  # fallback scores stay below typical model scores (mean OCR confidence x this)
_MAX_UNIT_WORDS = 3

# Units whose usual OCR misreadings ("8 0z", "33.8 FL. 02", "85 9" for 85 g) the fallback's second pass
# repairs, per entity (see ``layoutx.labels.match.unit_confusions``).
REPAIR_UNITS: dict[str, tuple[str, ...]] = {
    "item_weight": ("gram", "ounce"),
    "maximum_weight_recommendation": ("gram", "ounce"),
    "item_volume": ("fluid ounce",),
}

_VALUE = (LABELS.index("B-VALUE"), LABELS.index("I-VALUE"))
_UNIT = (LABELS.index("B-UNIT"), LABELS.index("I-UNIT"))


@dataclass(frozen=True)
class Prediction:
    """One answer: ``text`` in the official form ("" when there is none), the number and canonical unit,
    a score (0..1; model answers are tag probabilities x unit evidence), where it came from
    (``source``: "model", "fallback" or "none") and the words (indices into the split words, and their
    pixel boxes) that produced it. ``tags`` are the per-word argmax labels (empty without a model),
    ``range`` the two ends when the answer was read from a printed range, ``error`` the image problem
    that left the row unanswered."""

    text: str
    value: float | None = None
    unit: str | None = None
    score: float = 0.0
    source: str = NONE
    word_indices: tuple[int, ...] = ()
    boxes: tuple[Box, ...] = ()
    entity: str = ""
    range: tuple[float, float] | None = None
    tags: tuple[str, ...] = field(default=(), repr=False)
    error: str | None = None  # why there is no answer when the image could not be read
    model_text: str = ""  # what the model alone answers (decode with fallback=False)

    @property
    def answered(self) -> bool:
        return self.text != ""

    def model_only_text(self) -> str:
        """The answer as the model alone would give it (the same row decoded with ``fallback=False``): rules
        never enter it, also where they answered first (``KEYWORD_FIRST``)."""
        return self.model_text


@dataclass
class _Span:
    kind: str  # "VALUE" | "UNIT"
    start: int
    end: int  # exclusive
    score: float


@dataclass
class _Cand:
    value: float
    unit: str
    score: float
    indices: list[int]
    range: tuple[float, float] | None = None
    weak: bool = False  # only the unit was tagged: the fallback, when it finds anything, goes first
    guessed: bool = False  # no unit printed next to the value: the entity's most likely unit


def empty_prediction(entity: str = "", tags: Sequence[str] = ()) -> Prediction:
    """The no-answer prediction."""
    return Prediction("", entity=entity, tags=tuple(tags))


def argmax_tags(probs: Sequence[Sequence[float]]) -> list[str]:
    """Per-word label with the highest probability (ties -> the first label, i.e. "O")."""
    out = []
    for p in probs:
        best = max(range(len(LABELS)), key=lambda k: (p[k], -k))
        out.append(LABELS[best])
    return out


def tag_spans(tags: Sequence[str], probs: Sequence[Sequence[float]]) -> list[_Span]:
    """BIO spans; an I- tag without a matching open span starts one (the model is not always well formed)."""
    spans: list[_Span] = []
    cur: _Span | None = None
    for i, tag in enumerate(tags):
        if tag == "O":
            cur = None
            continue
        prefix, kind = tag.split("-", 1)
        if cur is not None and prefix == "I" and cur.kind == kind and cur.end == i:
            cur.end = i + 1
            continue
        cur = _Span(kind, i, i + 1, 0.0)
        spans.append(cur)
    for s in spans:
        ids = _VALUE if s.kind == "VALUE" else _UNIT
        s.score = sum(probs[i][ids[0]] + probs[i][ids[1]] for i in range(s.start, s.end)) / (s.end - s.start)
    return spans


def choose_range_end(entity: str, low: float, high: float) -> float:
    """The single number to answer for a printed range (see ``RANGE_POLICY``)."""
    return low if RANGE_POLICY.get(ENTITY_DIMENSION[entity], "high") == "low" else high


def _span_numbers(words: Sequence[Word], start: int, end: int) -> tuple[list[float], list[int], bool] | None:
    """Numbers of a VALUE span, their word indices, and whether they form a range; None if unreadable."""
    nums: list[float] = []
    idx: list[int] = []
    ranged = False
    texts = [w.text for w in words[start:end]]
    k = 0
    while k < len(texts):
        frac = fraction_at(texts, k)  # "4 1/2": one number over several words
        if frac is not None:
            nums.append(frac[0])
            idx.extend(range(start + k, start + frac[1]))
            k = frac[1]
            continue
        r = word_number(texts[k])
        if r:
            nums.append(r[0])
            idx.append(start + k)
        elif texts[k].strip() in RANGE_CONNECTORS:
            ranged = True
        k += 1
    if not nums:
        return None
    return nums, idx, ranged and len(nums) >= 2


def _unit_words(words: Sequence[Word], start: int, entity: str) -> tuple[str | None, int, bool]:
    """The unit written from word ``start`` (``_entity_unit``): (allowed canonical unit or None, words used,
    saw_any_unit).

    ``saw_any_unit`` is True when the words spell a unit of some kind, even one the entity forbids."""
    n = len(words)
    for k in range(min(_MAX_UNIT_WORDS, n - start), 0, -1):
        text = " ".join(w.text for w in words[start : start + k])
        if any(c.isdigit() for c in text):
            continue
        unit = _entity_unit(text, entity)
        if unit is not None:
            return unit, k, True
        if k == 1 and lookup_unit(text) is not None:
            return None, 1, True
    return None, 0, False


def _resolve_span_unit(words: Sequence[Word], span: _Span, entity: str) -> str | None:
    """The unit a tagged UNIT span spells (``_entity_unit``)."""
    text = " ".join(w.text for w in words[span.start : span.end])
    unit = _entity_unit(text, entity)
    if unit is None:  # a UNIT span that also holds punctuation: "( g )"
        for i in range(span.start, span.end):
            unit = _entity_unit(words[i].text, entity)
            if unit is not None:
                break
    return unit


def _misread_unit(words: Sequence[Word], start: int, entity: str) -> tuple[str | None, int]:
    """The unit the word(s) at ``start`` spell through the entity's usual unit misreadings (``REPAIR_UNITS``:
    "31 0Z" is 31 ounces, "28 FL 0 Z" 28 fluid ounces), and how many words it takes; (None, 0) otherwise.
    So a tagged value followed by a misread unit keeps that unit rather than the entity's likeliest."""
    if start == 0 or start >= len(words):
        return None, 0
    texts = [w.text for w in words[start - 1 : start + 3]]
    for gold in REPAIR_UNITS.get(entity, ()):
        fixed = unit_confusions(texts, gold)
        if fixed == texts:
            continue
        for k in range(len(fixed) - 1, 0, -1):
            text = " ".join(fixed[1 : 1 + k])
            if not any(c.isdigit() for c in text) and _entity_unit(text, entity) == gold:
                return gold, k
    return None, 0


def _misread_value(words: Sequence[Word], index: int, entity: str) -> tuple[float, str | None] | None:
    """A tagged value word that reads as a number only through the usual misreadings (``repair_words``: "25o"
    is 250, "30Z" 3 with a glued misread ounce): the number, and the unit glued to it if any; None when the
    word does not read that way or something other than an allowed unit is glued to it."""
    fixed, owner = repair_words(words, entity)
    pieces = [f.text for f, o in zip(fixed, owner) if o == index]
    number = word_number(pieces[0]) if pieces else ()
    if not number:
        return None
    if len(pieces) == 1:
        return number[0], None
    unit = _entity_unit(" ".join(pieces[1:]), entity)
    return (number[0], unit) if unit is not None else None


def _model_candidates(words: Sequence[Word], probs: Sequence[Sequence[float]], tags: Sequence[str],
                      entity: str) -> list[_Cand]:
    spans = tag_spans(tags, probs)
    values = [s for s in spans if s.kind == "VALUE"]
    units = {s.start: s for s in spans if s.kind == "UNIT"}
    unit_ends = {s.end: s for s in spans if s.kind == "UNIT"}
    used_units: set[int] = set()

    # Merge "VALUE connector VALUE" into one range group.
    groups: list[list[_Span]] = []
    for s in values:
        if groups:
            prev = groups[-1][-1]
            if s.start == prev.end + 1 and words[prev.end].text.strip() in RANGE_CONNECTORS:
                groups[-1].append(s)
                continue
        groups.append([s])

    out: list[_Cand] = []
    for group in groups:
        start, end = group[0].start, group[-1].end
        read = _span_numbers(words, start, end)
        glued: str | None = None  # a unit the repair finds glued to a misread value ("30Z": 3 oz)
        if read is None:
            misread = _misread_value(words, start, entity) if end - start == 1 else None
            if misread is None:
                continue
            read, glued = ([misread[0]], [start], False), misread[1]
        nums, idx, ranged = read
        ranged = ranged or len(group) > 1
        vscore = sum(s.score * (s.end - s.start) for s in group) / sum(s.end - s.start for s in group)
        # unit: a tagged UNIT span right after (or one punctuation word after), or right before
        uspan = units.get(end) or (units.get(end + 1) if end < len(words) and not words[end].text.isalnum() else None)
        uspan = uspan or unit_ends.get(start)
        if glued is not None:
            unit, factor, unit_idx = glued, UNIT_ADJACENT, [start]
        elif uspan is not None:
            unit = _resolve_span_unit(words, uspan, entity)
            if unit is None and uspan.start == end:  # a tagged "0Z" after the value: a misread ounce
                unit = _misread_unit(words, end, entity)[0]
            if unit is None:
                continue  # tagged unit that the entity does not allow: another quantity
            factor = uspan.score
            unit_idx = list(range(uspan.start, uspan.end))
            used_units.add(uspan.start)
        else:
            unit, k, seen = _unit_words(words, end, entity)
            if unit is None and not seen:
                unit, k = _misread_unit(words, end, entity)
            if unit is not None:
                factor, unit_idx = UNIT_ADJACENT, list(range(end, end + k))
            elif seen:
                continue  # an untagged unit the entity does not allow follows the number
            else:
                unit, factor, unit_idx = MOST_LIKELY_UNIT[entity], UNIT_PRIOR, []
        if ranged and len(nums) >= 2:
            low, high = nums[0], nums[-1]
            value, rng = choose_range_end(entity, low, high), (low, high)
        else:
            value, rng = nums[0], None
        out.append(_Cand(value, unit, vscore * factor, sorted(set(idx) | set(unit_idx)), rng,
                         guessed=factor == UNIT_PRIOR and not unit_idx))

    # A tagged unit with no tagged value: read the number printed right before it.
    for s in spans:
        if s.kind != "UNIT" or s.start in used_units or s.start == 0:
            continue
        r = word_number(words[s.start - 1].text)
        unit = _resolve_span_unit(words, s, entity)
        if r and unit is not None:
            out.append(_Cand(r[0], unit, s.score * UNIT_ONLY, list(range(s.start - 1, s.end)), weak=True))
    return out


# Entities whose printed keyword ("Net Wt", "Input", "Max load", "Power") right before a number is taken
# over the model: on the validation images of test-hand-train (never trained on) this lifted model +
# fallback from 0.854 to 0.861 (wattage, item_weight). Dimensions are left to the model: on drawings the
# letter is rare and the layout decides.
KEYWORD_FIRST: frozenset[str] = frozenset({"item_weight", "item_volume", "voltage", "wattage",
                                           "maximum_weight_recommendation"})

# Entities whose rule answer (keyed, else nutrient-free, else tallest) is taken over a disagreeing model
# whenever the rules find a quantity at all.
RULES_FIRST: frozenset[str] = frozenset({"item_weight"})

# Entities whose rules, where no candidate follows a keyword, pick among the quantities printed twice in two
# units when there are any: a net weight is declared that way ("8.82 oz (250 g)"), a dose or serving size
# seldom ("600 mg" printed larger). Test-hand-train rules +2 rows, none lost; the official-gold text rows +1 / -1.
PAIRED_FIRST: frozenset[str] = frozenset({"item_weight"})


def keyed_fallback(words: Sequence[Word], entity: str) -> _Cand | None:
    """The fallback's pick among the candidates right after an entity keyword; None when there is none."""
    cands = [c for c in _possible(find_candidates(words, entity), entity) if _has_keyword(words, c.value_span[0], entity)]
    return _pick(words, cands, entity) if cands else None


def _possible(cands: Sequence[Candidate], entity: str) -> list[Candidate]:
    """The candidates that may answer: not zero, not beyond ``PLAUSIBLE_MAX`` ("0g sugar", "217003.7V")."""
    return [c for c in cands if not _impossible(c.value, c.unit, entity)]


def _fallback(words: Sequence[Word], entity: str) -> _Cand | None:
    """The rule-based answer: among number+unit candidates allowed for the entity (those right after an
    entity keyword when there are any), the one printed in the largest text (first in reading order among
    equals); a range resolved by ``RANGE_POLICY``. When the words hold no candidate at all, a second pass
    reads them with the usual OCR misreadings repaired ("1OOW", "I0Og", "4OOML", "8 0z": ``repair_words``),
    and for a volume, a bare ounce as a fluid ounce ("12 OZ CANS": on test-hand-train 3 rows right, none
    wrong; the official text rows: no change); its word indices point back to the words given. A quantity
    that cannot answer (``_impossible``) counts as none: the rules then answer nothing rather than "0.0 gram"."""
    cands = _possible(find_candidates(words, entity), entity)
    if cands:
        return _pick(words, cands, entity)
    fixed, owner = repair_words(words, entity)
    cands = _possible(find_candidates(fixed, entity, split=False), entity)
    if not cands and entity == "item_volume":
        cands = _possible(find_candidates(fixed, entity, split=False, unit_of=_volume_ounce), entity)
    if not cands:
        cands = _possible(stacked_candidates(fixed, entity), entity)
    best = _pick(fixed, cands, entity) if cands else None
    if best is not None:
        best.indices = sorted({owner[i] for i in best.indices})
    return best


def repair_words(words: Sequence[Word], entity: str) -> tuple[list[Word], list[int]]:
    """The words with digit misreadings (``correct_confusions``) and the entity's unit misreadings
    (``REPAIR_UNITS``) repaired, split into value and unit pieces, and for each piece the index of the
    word it came from."""
    texts = [correct_confusions(w.text) for w in words]
    for unit in REPAIR_UNITS.get(entity, ()):
        texts = unit_confusions(texts, unit)
    _, fixed, owner = split_repaired(words, texts)
    return fixed, owner


# Reading direction of a dimension's label on a drawing (LABELLING.md: height is the vertical extent,
# width the horizontal one, depth the slanted third line): orientation classes of layoutx.ocr.types.
DIMENSION_ORIENTATIONS: dict[str, frozenset[int]] = {
    "height": frozenset({1, 2}),
    "width": frozenset({0}),
    "depth": frozenset({3, 4}),
}


def _pick(words: Sequence[Word], cands: Sequence[Candidate], entity: str) -> _Cand:
    keyed = [c for c in cands if _has_keyword(words, c.value_span[0], entity)]
    pool = keyed or cands
    if not keyed:
        named = {(c.value, c.unit) for c in pool if _other_quantity(words, c, entity)}
        pool = [c for c in pool if not _nutrient_row(words, c.value_span[0], entity)
                and (c.value, c.unit) not in named] or pool
        if entity in PAIRED_FIRST:
            paired = _paired_words(words, entity)
            pool = [c for c in pool if c.value_span[0] in paired] or pool
    wanted = DIMENSION_ORIENTATIONS.get(entity)
    if wanted is not None and not keyed:  # a drawing: a label printed along the entity's line wins
        along = [c for c in pool if orientation(words[c.value_span[0]].angle) in wanted]
        pool = along or pool
    tallest = max(c.height for c in pool)
    best = next(c for c in pool if c.height >= tallest * 0.95)
    chain = _range_chain(words, cands, best)
    low, high = chain[0].value, chain[-1].value
    if len(chain) >= 2 and low < high:
        pick = chain[0] if choose_range_end(entity, low, high) == low else chain[-1]
        rng: tuple[float, float] | None = (low, high)
    else:
        pick, rng = best, None
    idx: set[int] = set()
    for c in chain if rng else [pick]:
        idx.update(range(*c.value_span))
    if pick.unit_span:
        idx.update(range(*pick.unit_span))
    conf = [words[i].confidence for i in sorted(idx)] or [1.0]
    return _Cand(pick.value, pick.unit, FALLBACK_SCALE * sum(conf) / len(conf), sorted(idx), rng)


_INITIALS = re.compile(r"(?<![A-Za-z])([A-Za-z]) ?\. ?([A-Za-z])(?: ?\.)?(?![A-Za-z])")


def _window(words: Sequence[Word], start: int) -> set[str]:
    """The ``KEYWORD_WINDOW`` words before word ``start``, lower-cased, without punctuation around them;
    punctuation-only words are skipped and initials split by the OCR are joined ("N . W . :" -> "n.w")."""
    text = _INITIALS.sub(r"\1.\2", " ".join(w.text for w in words[max(0, start - 3 * KEYWORD_WINDOW) : start]))
    tokens = [t.lower().strip(":.()[]-=,") for t in text.split()]
    return set([t for t in tokens if t][-KEYWORD_WINDOW:])


def _has_keyword(words: Sequence[Word], start: int, entity: str) -> bool:
    window = _window(words, start)
    return bool(window & ENTITY_KEYWORDS.get(entity, frozenset())) and not window & NOT_KEYWORDS.get(entity, set())


def _range_chain(words: Sequence[Word], cands: Sequence[Candidate], best: Candidate) -> list[Candidate]:
    """``best`` plus the candidates sharing its unit that range connectors join to it ("100 - 240 V");
    just ``[best]`` when the numbers are a dimension list ("10 x 20 cm") or stand alone."""
    same = sorted((c for c in cands if c.unit_span == best.unit_span), key=lambda c: c.value_span[0])
    if len(same) < 2:
        return [best]
    for a, b in zip(same, same[1:]):
        between = [w.text.strip() for w in words[a.value_span[1] : b.value_span[0]]]
        glued = not between and words[a.value_span[0]].text.rstrip()[-1:] in RANGE_CONNECTORS
        if not glued and not (len(between) == 1 and between[0] in RANGE_CONNECTORS):
            return [best]
    return same


# When the model tags no value span (no word's argmax is VALUE), the printed number+unit quantity whose
# number the model gives the highest VALUE probability is still the model's answer if that probability
# reaches RANK_MIN (None = off): the model's ranking of the rule candidates beats the rules' own.
RANK_MIN: float | None = 0.1
# A tagged value with no unit printed next to it ("8" beside "158g") is a guess; when the image prints
# number+unit quantities, the one the model gives the highest VALUE probability answers instead.
GUESS_RANKS = True


def _implausible(words: Sequence[Word], value: float, unit: str | None, start: int, entity: str) -> bool:
    """A quantity the rules never answer with: zero, one beyond ``PLAUSIBLE_MAX``, a nutrition-panel row for
    item_weight, or one named by a keyword of another quantity ("Max User Weight", "G.W.")."""
    if _impossible(value, unit, entity):
        return True
    return bool(_window(words, start) & NOT_KEYWORDS.get(entity, frozenset())) or _nutrient_row(words, start, entity)


# Per entity and unit, ten times the 99th percentile of the official train values
# (amazon-ml-2024/dataset/train_sampled_24k.csv, units with 20+ rows; percentiles that are themselves catalogue
# garbage, over 10^6, left out). A larger reading is digits the OCR glued together ("217003.7V", "MF40101VX")
# or a misread unit ("98 m" for 98 cm): on test-hand-train the rules answered 9 such, the model 5, all wrong.
PLAUSIBLE_MAX: dict[str, dict[str, float]] = {
    "depth": {"centimetre": 2800, "foot": 820, "inch": 1100, "metre": 250, "millimetre": 11000},
    "height": {"centimetre": 2100, "inch": 770, "metre": 30, "millimetre": 18000},
    "width": {"centimetre": 2400, "foot": 240, "inch": 890, "metre": 45, "millimetre": 13000},
    "item_volume": {"cup": 20000, "fluid ounce": 5000, "millilitre": 25000, "pint": 32000,
                    "quart": 400000},
    "item_weight": {"gram": 20000, "kilogram": 29000, "milligram": 210000, "ounce": 20000, "pound": 40000,
                    "ton": 720000},
    "maximum_weight_recommendation": {"gram": 76000, "kilogram": 5000, "milligram": 300000, "ounce": 69000,
                                      "pound": 15000},
    "voltage": {"volt": 3000},
    "wattage": {"horsepower": 52000, "kilowatt": 800, "watt": 30000},
}


def _impossible(value: float, unit: str | None, entity: str) -> bool:
    """Zero ("Cholesterol 0mg", "Og sugar") or beyond ``PLAUSIBLE_MAX`` ("282202120113 V", digits the OCR
    glued): never the answer (printed numbers are never negative: ``word_number``)."""
    return value == 0 or (unit is not None and value > PLAUSIBLE_MAX.get(entity, {}).get(unit, math.inf))


def _other_quantity(words: Sequence[Word], cand: Candidate, entity: str) -> bool:
    """A candidate that a keyword names as another quantity, before it ("Max Weight Limit: 33 lbs") or
    right after its unit ("400 LBS CAPACITY"). ``_pick`` also leaves out the same quantity printed again
    unnamed ("400 LBS ONLY 27 LBS 400 LBS CAPACITY": test-hand-train +1 row, none lost; text rows unchanged)."""
    others = NOT_KEYWORDS.get(entity, frozenset())
    after = words[cand.end].text.lower().strip(":.()[]-=,") if cand.end < len(words) else ""
    return bool(_window(words, cand.value_span[0]) & others) or after in others


def _nutrient_row(words: Sequence[Word], start: int, entity: str) -> bool:
    """An item_weight candidate printed after a nutrient name ("Total Fat 5 g"): a panel row, never the answer."""
    return entity == "item_weight" and bool(_window(words, start) & NUTRIENTS)


def _ranked(words: Sequence[Word], probs: Sequence[Sequence[float]], entity: str,
            floor: float = 0.0) -> _Cand | None:
    cands = [c for c in find_candidates(words, entity, split=False) if not _implausible(words, c.value, c.unit, c.value_span[0], entity)]
    if not cands:
        return None

    def p_value(c: Candidate) -> float:
        row = probs[c.value_span[0]]
        return row[_VALUE[0]] + row[_VALUE[1]]

    top = max(cands, key=p_value)  # the first of equal probabilities
    p = p_value(top)
    if p < floor:
        return None
    idx = list(range(*top.value_span)) + (list(range(*top.unit_span)) if top.unit_span else [])
    return _Cand(top.value, top.unit, p * UNIT_ONLY, idx)


def decode(words: Sequence[Word], probs: Sequence[Sequence[float]] | None, entity: str, *,
           fallback: bool = True) -> Prediction:
    """The answer for ``entity`` from split words and their per-word label probabilities.

    ``probs=None`` (no model) decodes with the fallback alone. Raises UnknownEntityError for an entity
    the challenge does not have, ValueError when probs and words differ in length.
    """
    allowed_units(entity)
    tags: list[str] = []
    cands: list[_Cand] = []
    if probs is not None:
        if len(probs) != len(words):
            raise ValueError(f"{len(probs)} probability rows for {len(words)} words")
        tags = argmax_tags(probs)
        cands = _model_candidates(words, probs, tags, entity)
    strong = [c for c in cands if not c.weak]
    weak = [c for c in cands if c.weak]
    # the model alone: its tagged spans, else its ranking of the printed quantities, else a tagged unit
    model = max(strong, key=lambda c: c.score) if strong else None  # max keeps the first of equal scores
    if model is not None and probs is not None and _implausible(words, model.value, model.unit, min(model.indices), entity):
        model = _ranked(words, probs, entity) or (None if _impossible(model.value, model.unit, entity) else model)
    if probs is not None and RANK_MIN is not None and (model is None or (GUESS_RANKS and model.guessed)):
        model = _ranked(words, probs, entity, 0.0 if model is not None else RANK_MIN) or model
    if model is None and weak:
        model = max(weak, key=lambda c: c.score)
    model = _first_printing(words, _whole_value(words, model, entity), entity)
    model_text = _text(model, entity)
    best, source = model, MODEL
    if fallback:
        keyed = keyed_fallback(words, entity) if entity in KEYWORD_FIRST else None
        if keyed is None and entity in RULES_FIRST:
            keyed = _fallback(words, entity)
        if keyed is not None and _text(keyed, entity) != model_text:  # the model agreeing keeps its answer
            best, source = keyed, FALLBACK
        elif model is None or (model.weak and not strong) or model.guessed:
            # The model tagged a unit but no value: measured on the synthetic sample with an early tiny model,
            # letting these answers beat the fallback cost 0.11 F1 (0.727 -> 0.615), so they come last. A
            # value with a guessed unit comes after a printed one the rules read through a misreading
            # ("12 0Z" on a can: the model's 12 ml, the rules' 12 fl oz; test-hand-train 1 row, right).
            rule = _fallback(words, entity)
            if rule is not None:
                best, source = rule, FALLBACK
    if source == FALLBACK:
        best = _first_printing(words, best, entity)
    text = _text(best, entity)
    if best is None or not text:
        return replace(empty_prediction(entity, tags), model_text=model_text)
    return Prediction(
        text=text, value=best.value, unit=best.unit, score=round(best.score, 6), source=source,
        word_indices=tuple(best.indices), boxes=tuple(words[i].box for i in best.indices), entity=entity,
        range=best.range, tags=tuple(tags), model_text=model_text,
    )


def _first_printing(words: Sequence[Word], cand: _Cand | None, entity: str) -> _Cand | None:
    """The first of two printings of one quantity ("NET WT 8 OZ (227g)", "25.4cm/10in"): when the answer
    is the second and the same quantity in another unit is printed just before it, that one. Measured on
    the test-hand-train labels, where OCR shows such a pair and the gold is one of them: the first in
    1,057 rows, the second in 88 (non-length entities 121 : 5), also when the second is printed larger.
    Pairs are read left to right, so of a label printed twice ("11.8 in / 30 cm ... 11.8 in / 30 cm") the
    second "11.8 in" is never taken for the second printing of the first "30 cm".
    The first printing is read with the usual unit misreadings repaired ("NET WT 4.5 0Z (127g)"), and on a
    volume a bare "oz" counts as a fluid ounce ("16 oz (473ml)": test-hand-train writes such a volume in
    fluid ounces): the conversion check keeps a misreading or a weight from pairing by chance."""
    if cand is None or cand.range is not None or not cand.indices:
        return cand
    pairs, owner = _printing_pairs(words, entity)
    for prev, cur in pairs:
        if owner[cur.value_span[0]] in cand.indices and cur.value == cand.value and cur.unit == cand.unit:
            spans = [prev.value_span] + ([prev.unit_span] if prev.unit_span else [])
            idx = sorted({owner[i] for a, b in spans for i in range(a, b)})
            return _Cand(prev.value, prev.unit, cand.score, idx, None, cand.weak)
    return cand


def _whole_value(words: Sequence[Word], cand: _Cand | None, entity: str) -> _Cand | None:
    """The model's value as the rules read it when the model tagged only the end of it: the ounces of a
    pounds-and-ounces weight ("1 LB . 2 OZ" is 18 oz, not 2), the last part of a fraction ("3 / 4 oz")."""
    if cand is None or cand.range is not None or not cand.indices:
        return cand
    for c in find_candidates(words, entity):
        lo, hi = c.value_span
        if c.unit == cand.unit and c.value != cand.value and lo < min(cand.indices) < hi:
            idx = sorted(set(range(lo, hi)) | set(cand.indices))
            return _Cand(c.value, c.unit, cand.score, idx, None, cand.weak, cand.guessed)
    return cand


def _printing_pairs(words: Sequence[Word], entity: str) -> tuple[list[tuple[Candidate, Candidate]], list[int]]:
    """The quantities printed twice in two units, as (first, second) printings over the words with the usual
    misreadings repaired (``_first_printing``), and for each repaired word the index of the word it came from."""
    fixed, owner = repair_words(words, entity)
    cands = find_candidates(fixed, entity, split=False, unit_of=_volume_ounce if entity == "item_volume" else None)
    pairs: list[tuple[Candidate, Candidate]] = []
    second = False  # the previous candidate is itself a second printing: it cannot start another pair
    for prev, cur in zip(cands, cands[1:]):
        second = (not second and cur.start - prev.end <= PAIR_GAP
                  and same_quantity(prev.value, prev.unit, cur.value, cur.unit))
        if second:
            pairs.append((prev, cur))
    return pairs, owner


def _paired_words(words: Sequence[Word], entity: str) -> set[int]:
    """The words of the numbers of quantities printed twice in two units ("8.82 oz (250 g)")."""
    pairs, owner = _printing_pairs(words, entity)
    return {owner[i] for pair in pairs for c in pair for i in range(*c.value_span)}


PAIR_GAP = 2  # words allowed between the two printings of one quantity: "(" or "/"


def _entity_unit(text: str, entity: str) -> str | None:
    """How the model's spans read a unit: ``resolve_unit``, except that on a volume an ounce is a fluid ounce
    (``_volume_ounce``), as the rules and test-hand-train read "12 OZ CANS" (model alone +5 rows, none lost)."""
    return _volume_ounce(text, entity) if entity == "item_volume" else resolve_unit(text, entity)


def _volume_ounce(text: str, entity: str) -> str | None:
    """``resolve_unit``, except that an ounce reads as a fluid ounce (for pairing printings, and for a volume
    where no volume unit is printed)."""
    return "fluid ounce" if lookup_unit(text) == "ounce" else resolve_unit(text, entity)


def _text(cand: _Cand | None, entity: str) -> str:
    if cand is None or not math.isfinite(cand.value):
        return ""
    return format_prediction(cand.value, cand.unit, entity)


# A reading angle per orientation class (layoutx.ocr.types.orientation), to rebuild words from model inputs.
_CLASS_ANGLES = (0.0, 90.0, -90.0, 45.0, -45.0)


# Entities whose rule answer a rule_hints model reads. Not lengths: a model given the rules' pick on
# drawings copied it (validation height 0.93 -> 0.81, width 0.89 -> 0.76), and on drawings the layout, not
# a keyword, decides.
HINT_ENTITIES: frozenset[str] = frozenset(ENTITY_DIMENSION) - {"width", "height", "depth"}


def rule_hints(texts: Sequence[str], boxes: Sequence[Sequence[float]], orients: Sequence[int] | None,
               entity: str) -> list[int]:
    """1 for each word the rules alone answer with (its value and unit words), else 0 (always 0 outside
    ``HINT_ENTITIES``).

    A ``rule_hints`` model reads this as an input (``layoutx.models.encoding.word_types``), so it learns
    where the rules' choice holds and where the context overrides it. Computed from the model's own
    inputs (split words, 0..1000 boxes, orientation classes) so training and inference see the same flags.
    """
    if entity not in HINT_ENTITIES:
        return [0] * len(texts)
    words = [Word(t, (float(b[0]), float(b[1]), float(b[2]), float(b[3])), 1.0,
                  _CLASS_ANGLES[int(orients[k]) % len(_CLASS_ANGLES)] if orients is not None else 0.0)
             for k, (t, b) in enumerate(zip(texts, boxes))]
    # words split by an older splitter (a dataset built before a unit alias was added) are split again here
    split, _, owner = split_repaired(words, [w.text for w in words])
    flags = [0] * len(words)
    for i in decode(split, None, entity).word_indices:
        flags[owner[i]] = 1
    return flags
