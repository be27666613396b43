"""The challenge metric: per-row TP/FP/FN/TN, precision, recall, F1, per entity; strict and numeric.

Official definitions (GT = gold, OUT = prediction):
  TP: OUT and GT non-empty and equal        FP: OUT non-empty and GT empty, or both non-empty and unequal
  FN: OUT empty and GT non-empty            TN: both empty
"Equal" is string equality in ``strict`` mode (the official text). In ``numeric`` mode (our primary
figure, because ground truth mixes "500.0 gram" and "500 gram") two answers are equal when both parse to
the same canonical unit and the same number within a relative tolerance of 1e-6; a range equals only a
range with the same ends. A non-empty answer that does not parse is never equal to anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from layoutx.core.values import Quantity, parse_entity_value

STRICT = "strict"
NUMERIC = "numeric"
REL_TOL = 1e-6


def _is_empty(text: str | None) -> bool:
    return text is None or str(text).strip() == "" or str(text).strip().lower() == "nan"


def _same_quantity(a: Quantity, b: Quantity) -> bool:
    if a.unit != b.unit or a.is_range != b.is_range:
        return False
    return all(math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-12) for x, y in zip(a.endpoints(), b.endpoints()))


def answers_equal(gold: str, pred: str, mode: str = NUMERIC) -> bool:
    """Whether two non-empty answers count as the same under ``mode``."""
    if mode == STRICT:
        return gold == pred
    if mode != NUMERIC:
        raise ValueError(f"unknown comparison mode {mode!r}")
    g = parse_entity_value(gold).quantity
    p = parse_entity_value(pred).quantity
    return g is not None and p is not None and _same_quantity(g, p)


def row_outcome(gold: str | None, pred: str | None, mode: str = NUMERIC) -> str:
    """'TP', 'FP', 'FN' or 'TN' for one row, exactly as the challenge defines them."""
    g_empty, p_empty = _is_empty(gold), _is_empty(pred)
    if g_empty and p_empty:
        return "TN"
    if p_empty:
        return "FN"
    if g_empty:
        return "FP"
    return "TP" if answers_equal(str(gold).strip(), str(pred).strip(), mode) else "FP"


@dataclass
class Counts:
    """Outcome counts and the scores derived from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome.lower(), getattr(self, outcome.lower()) + 1)

    @property
    def rows(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    """Overall counts, strict counts and per-entity counts (numeric mode) of one evaluation."""

    numeric: Counts = field(default_factory=Counts)
    strict: Counts = field(default_factory=Counts)
    per_entity: dict[str, Counts] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The evaluate CLI's last-line object."""
        return {
            "rows": self.numeric.rows,
            "f1": round(self.numeric.f1, 6),
            "precision": round(self.numeric.precision, 6),
            "recall": round(self.numeric.recall, 6),
            "f1_strict": round(self.strict.f1, 6),
            "per_entity": {
                name: {"f1": round(c.f1, 6), "rows": c.rows} for name, c in sorted(self.per_entity.items())
            },
        }


def score(rows: Iterable[tuple[str | None, str | None, str | None]]) -> Score:
    """Score (entity_name, gold, prediction) triples; entity_name may be None when unknown."""
    result = Score()
    for entity, gold, pred in rows:
        outcome = row_outcome(gold, pred, NUMERIC)
        result.numeric.add(outcome)
        result.strict.add(row_outcome(gold, pred, STRICT))
        if entity:
            result.per_entity.setdefault(entity, Counts()).add(outcome)
    return result
