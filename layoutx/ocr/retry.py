"""A second OCR pass for small print, only on the rows that need it.

The default pass misses small print: on test-hand-train, OCR reads no gold for 158 of its 760 item_weight /
volume / voltage / wattage / maximum-weight rows, 148 of them on photos of 500-749 px whose net-weight or
rating line is a few pixels high. A larger detector input finds more of it but costs 2-3x per image, so it
runs only where it can change the answer: a row of one of those entities on whose words the first pass finds
no quantity with a unit the entity allows (117 of the 760 rows). Its words replace the first pass's for that
row only when they hold such a quantity, or, where the first pass's words give no answer even through the
usual OCR misreadings, when the rules read one from the retry's that way ("1.25 0z": test-hand-train +3 rows,
none lost). Chosen on test-hand-train alone (rules, non-length rows: 0.852 -> 0.867; detector input min side
1280: 0.861, 1440: 0.862, 1600: 0.867, 2048: 0.856). Lengths are left out: OCR already reads their gold on 98%
of rows.

An item weight is also retried when none of the first pass's quantities follows a weight keyword ("Net Wt"),
and then takes the retry's words only when one of theirs does: a per-serving "25 g" read large beside a
"NET WT 200g" in small print (``KEYED_RETRY``; test-hand-train item_weight +3 rows, none lost; the same rule on
voltages lost 2 of 2 rows, so it stays with item weights; +15% CPU per test-like row).

Pure Python; engines are run by the caller through ``again`` (the cache, worker processes, Ray actors).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar, cast

from layoutx.core.units import LENGTH_ENTITIES
from layoutx.errors import ImageError
from layoutx.ocr.types import OcrResult

K = TypeVar("K", bound=Hashable)

# Per engine: the settings that override the first pass's for the retry. RapidOCR: detector input at least
# 1600 px on the shorter side (at most 2560 on the longer), read from the full-size image (no max_side
# downscale: the retry is for print that downscaling erases).
DEFAULT_RETRY: dict[str, dict[str, Any]] = {
    "rapidocr": {"det_limit_side_len": 1600, "max_side": None, "det_max_side": 2560},
}

# Entities retried also when the first pass reads quantities but none after an entity keyword; the retry's
# words then replace the first pass's only when one of theirs is keyed.
KEYED_RETRY: frozenset[str] = frozenset({"item_weight"})


def retry_settings(engine: str, spec: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The retry's setting overrides: ``spec["retry"]`` when the OCR spec has that key (null/false = no
    retry, a mapping = those overrides), else the engine's default (none for engines without one)."""
    if spec is not None and "retry" in spec:
        value = spec["retry"]
        if not value:
            return None
        if not isinstance(value, Mapping):
            raise ValueError(f"ocr.retry must be a mapping of engine settings or null, got {value!r}")
        return dict(value)
    default = DEFAULT_RETRY.get(engine)
    return dict(default) if default is not None else None


def wants_retry(ocr: OcrResult, entity: str) -> bool:
    """True when the first pass's words hold no quantity that could answer this (non-length) entity, or,
    for a ``KEYED_RETRY`` entity, none after one of its keywords."""
    from layoutx.labels.candidates import find_candidates

    if entity in LENGTH_ENTITIES:
        return False
    return not find_candidates(ocr.words, entity) or (entity in KEYED_RETRY and not _keyed(ocr, entity))


def second_pass(rows: Sequence[tuple[K, str]], first: Sequence[OcrResult | ImageError | None],
                again: Callable[[list[K]], Mapping[K, OcrResult | ImageError]]) -> list[OcrResult | ImageError | None]:
    """Per row (image key, entity), the OCR result to decode: the first pass's, or the retry's where
    ``wants_retry`` and the retry finds a quantity. ``again(keys)`` OCRs the distinct images of those rows
    with the retry settings; it is not called when no row needs it."""
    from layoutx.labels.candidates import find_candidates

    todo = [k for k, ((_, entity), res) in enumerate(zip(rows, first))
            if isinstance(res, OcrResult) and wants_retry(res, entity)]
    out = list(first)
    if not todo:
        return out
    got = again(list(dict.fromkeys(rows[k][0] for k in todo)))
    for k in todo:
        res, entity, before = got.get(rows[k][0]), rows[k][1], cast(OcrResult, first[k])
        if not isinstance(res, OcrResult):
            continue
        if find_candidates(before.words, entity):  # retried for want of a keyed quantity (KEYED_RETRY)
            better = _keyed(res, entity)
        else:
            better = bool(find_candidates(res.words, entity)) or (
                _rules_answer(res, entity) and not _rules_answer(before, entity))
        if better:
            out[k] = res
    return out


def _rules_answer(ocr: OcrResult, entity: str) -> bool:
    """Whether the rules answer from these words, also through the usual OCR misreadings ("1.25 0z", a bare
    "16 oz" on a volume): such a reading of the retry's replaces the first pass's words only where those give
    no answer at all."""
    from layoutx.decode import decode
    from layoutx.labels.tokens import split_glued

    return bool(decode(split_glued(ocr.words), None, entity).text)


def _keyed(ocr: OcrResult, entity: str) -> bool:
    """Whether the words hold a quantity for the entity right after one of its keywords ("Net Wt 200g")."""
    from layoutx.decode import keyed_fallback
    from layoutx.labels.tokens import split_glued

    return keyed_fallback(split_glued(ocr.words), entity) is not None


def count_retried(first: Sequence[Any], final: Sequence[Any]) -> int:
    """How many rows decode the retry's words (for run summaries)."""
    return sum(a is not b for a, b in zip(first, final))
